"""One line per figure, shown on hover wherever the figure appears (issue 19, workflow 1): the column
headers of the Stores, Departments, Models, model and Insights tables and the Dashboard's cards read them
through ``{% explain "<key>" %}`` (forecasting/templatetags/figures.py). Adding a figure: one line here."""
from __future__ import annotations

EXPLANATIONS = {
    "sales_ytd": "Sales from 1 January to the newest week with sales",
    "growth": "Year to date against the same weeks a year earlier, over the series that sold in both (like for like)",
    "forecast_13w": "The served forecast summed over its next 13 weeks (fewer when its horizon is shorter)",
    "forecast_change": "The next weeks' forecast against the same weeks a year earlier, over the same series",
    "live_error": "Live error (WAPE): the served forecast's absolute error as a share of actual sales, over its "
                  "weeks whose sales arrived (lower is better)",
    "backtest_error": "Backtest error (WAPE): the model's absolute error as a share of actual sales when it "
                      "forecast held-out weeks before training (lower is better)",
    "volatility": "Coefficient of variation of the weekly sales over the last 52 weeks (standard deviation / mean)",
    "wmae": "Weighted mean absolute error: the average error in sales per series and week, holiday weeks "
            "weighing the workspace's holiday weight (lower is better)",
    "mae": "Mean absolute error per series and week, every week weighing the same",
    "rmse": "Root mean squared error: like MAE, but large misses weigh more",
    "wape": "Absolute error as a share of actual sales (sum of |forecast - actual| / sum of actual)",
    "bias": "Mean of forecast minus actual: above 0 the forecast ran high, below 0 low",
    "naive_wmae": "The WMAE of seasonal naive (the same week a year earlier) on the same weeks and series",
    "vs_naive": "The model's WMAE as a share of seasonal naive's: below 100 % it beats the simple rule",
    "holiday_wmae": "WMAE over holiday weeks only",
    "non_holiday_wmae": "WMAE over the other weeks",
    "coverage80": "Share of actual sales inside the 80 % band (ideally about 80 %)",
    "coverage95": "Share of actual sales inside the 95 % band (ideally about 95 %)",
    "last_week": "Sales of the newest week against the same week a year earlier, over the same series",
    "year_to_date": "Sales since 1 January against the same weeks a year earlier, over the same series",
    "forecast_ahead": "The served forecast (with the planners' overrides) over its next weeks, against the "
                      "same weeks a year earlier, over the same series",
    "inventory_demand": "The forecast summed over the lead time",
    "safety_stock": "Extra stock for the service level: its normal quantile times the forecast's uncertainty "
                    "over the lead time",
    "inventory_target": "Order-up-to level: the forecast over the lead time plus the safety stock",
    "on_hand": "Stock on hand as uploaded (its value at selling price, or units with a unit price)",
    "to_order": "Target minus stock on hand, at least 0 (whole units when in units)",
}


def explanation(key: str) -> str:
    """The line for ``key``; an unknown key is a programming error, caught by the tests."""
    return EXPLANATIONS[key]
