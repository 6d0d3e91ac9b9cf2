from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    export_parts = "forecasting.exports.EXPORT_PARTS"  # its files in a workspace export (saas/exports.py)
