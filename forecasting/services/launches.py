"""The forecast of items announced with a launch date and of locations announced with an opening date, with
no sale yet (issue 18 item 5), added to a run's rows before they are written (training and refresh, either
engine): forecasting/ml/launches.py makes them from the item's peers in each location, and from the same
item in the similar locations; their status is ``new``."""
from __future__ import annotations

import pandas as pd

from forecasting.ml.launches import NEW, launch_forecast, opening_forecast
from forecasting.selectors.catalog import data_settings, hierarchy_attributes
from forecasting.services.forecasts import forecast_status


def forecast_with_launches(*, forecast: pd.DataFrame, status_counts: dict | None = None) -> tuple[pd.DataFrame, dict | None]:
    """``forecast`` with the announced items' and locations' rows, and ``status_counts`` with their series
    counted as new."""
    attributes = hierarchy_attributes()
    if forecast.empty:
        return forecast, status_counts
    freq = data_settings().frequency
    parts = []
    if not attributes.item.empty:
        parts.append(launch_forecast(forecast, attributes.item, freq, attributes.grouping("item")))
    if not attributes.location.empty:
        parts.append(opening_forecast(forecast, attributes.location, freq, attributes.grouping("location")))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return forecast, status_counts
    new = pd.concat(parts, ignore_index=True)
    forecast = forecast.assign(status=forecast_status(forecast).to_numpy())
    new = new.assign(date=pd.to_datetime(new["date"]))
    combined = pd.concat([forecast.assign(date=pd.to_datetime(forecast["date"])), new], ignore_index=True)
    series = int(new[["store", "dept"]].drop_duplicates().shape[0])
    counts = None if status_counts is None else {**status_counts, NEW: series}
    return combined, counts
