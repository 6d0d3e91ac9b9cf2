"""Pure-ML core of the demand forecaster (no Django, no heavy imports here).

lightgbm and statsforecast are imported lazily inside the functions that use
them, so importing this package (e.g. in a Celery parent process) is cheap.
Public API: :mod:`forecasting.ml.pipeline`.
"""

__all__ = ["pipeline"]
