"""Reads of the forecasting app, one module per area. Every selector that reads
store-keyed rows takes ``scope`` (accounts/scope.py), keyword-only and without a default."""
