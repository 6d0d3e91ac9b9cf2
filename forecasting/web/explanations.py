"""One line per figure, shown on hover wherever the figure appears (issue 19, workflow 1): the column
headers of the Stores, Departments, Models, model and Insights tables, the Dashboard's cards, and the
figures of the Exceptions, Overrides, Plan and Simulator pages read them through ``{% explain "<key>" %}``
(forecasting/templatetags/figures.py). Adding a figure: one line here."""
from __future__ import annotations

import re

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
    # Exceptions (forecasting/selectors/exceptions.py)
    "money_at_stake": "The row's size in sales: the absolute error over the realized weeks, the gap to the plan, "
                      "the demand the stock does not cover, or the week's distance from expected",
    "exception_wape": "Live error (WAPE): the absolute error of the forecast made before these weeks, as a share "
                      "of their actual sales (lower is better)",
    "exception_bias": "Forecast minus actual summed over the same weeks, as a share of their actual sales: above 0 "
                      "the forecast ran high, below 0 low",
    "plan_gap": "The served forecast (with the overrides) against the approved plan, summed over the weeks both "
                "cover; the difference is forecast minus plan",
    "stockout": "Stock on hand against the forecast demand over the default lead time from the first forecast "
                "week; to order: up to the target at the default service level",
    "anomaly": "The week's sales against the expected: the forecast made for it, else the same week of other "
               "years or the series' usual level",
    # Overrides and forecast value added (forecasting/selectors/overrides.py)
    "override_change": "A percent applied to the forecast, or a value: the node's total per week, spread over its "
                       "series in proportion to their forecast",
    "fva_overrides": "Overrides of this planner and reason with at least one week whose actual sales arrived",
    "fva_cells": "The series × weeks those overrides changed whose actual sales arrived: what the errors sum over",
    "fva_error_before": "Error of the forecast the overrides replaced: |forecast − actual| summed over those series "
                        "and weeks; in brackets as a share of actual sales (WAPE; lower is better)",
    "fva_error_after": "Error of the forecast the overrides set, summed the same way; in brackets its WAPE "
                       "(lower is better)",
    "fva_value_added": "Error before minus error after: above 0 the overrides brought the forecast closer to "
                       "actual sales, below 0 they moved it away",
    # Plans (forecasting/services/plans.py, forecasting/selectors/plans.py)
    "plan_total": "The forecast the plan froze (the model's with the active overrides), summed over every series "
                  "and week it covers",
    "plan_statistical_total": "The model's own forecast over the same series and weeks, before the overrides",
    "plan_overrides": "Active overrides in the forecast when the plan was submitted",
    "plan_versus": "The served forecast (with the overrides) against the plan over the series and weeks both "
                   "cover: forecast minus plan, and as a share of the plan",
    # Promotion simulator (forecasting/ml/simulate.py)
    "sim_incremental_sales": "Scenario minus baseline forecast, summed over the chosen departments and weeks",
    "sim_range80": "The increment ± the forecast's own 80 % uncertainty of these summed sales; a range that spans "
                   "0 cannot be told from ordinary forecast error",
    "sim_markdown_cost": "Markdown amounts entered minus those planned, summed over the chosen weeks (below 0: "
                         "the scenario spends less)",
    "sim_incremental_profit": "Incremental sales × gross margin − markdown cost",
    "sim_roi": "Incremental gross profit ÷ markdown cost; none when the scenario spends no more than planned",
    "sim_baseline": "The active model's forecast with the markdowns planned in your features data (a missing one "
                    "counts as none)",
    "sim_scenario": "The same forecast with MarkDown 1–5 of the chosen weeks set to the amounts entered",
    "sim_week_incremental": "Scenario minus baseline for the week, summed over the chosen departments",
    "sim_week_markdown_cost": "Markdown amounts entered minus those planned for the week",
    "sim_markdowns_planned": "The week's MarkDown 1–5 amounts in your features data, summed",
    "sim_markdowns_entered": "The week's MarkDown 1–5 amounts of the scenario (an empty box keeps the planned one), "
                             "summed",
}


# a line is written for a weekly workspace; a daily or monthly one reads it in its own periods, one pass
# (longest phrase first, so that "the same week a year earlier" is not also read as "week")
_IN_PERIODS = {
    "the same weeks a year earlier": {"day": "the same weekdays 52 weeks earlier", "month": "the same months a year earlier"},
    "the same week a year earlier": {"day": "the same weekday 52 weeks earlier", "month": "the same month a year earlier"},
    "52 weeks": {"day": "364 days", "month": "12 months"},
    "13 weeks": {"day": "91 days", "month": "3 months"},
    "weekly": {"day": "daily", "month": "monthly"},
    "weeks": {"day": "days", "month": "months"},
    "week": {"day": "day", "month": "month"},
}
_OWN_LINES = {  # a figure that is not "the same thing in days": (key, period) -> its line
    ("last_week", "day"): "Sales of the last 7 days against the same weekdays 52 weeks earlier, over the same series",
}
_PHRASE = re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(_IN_PERIODS, key=len, reverse=True)) + r")\b",
                     re.IGNORECASE)


def explanation(key: str, period: str = "week") -> str:
    """The line for ``key`` in a workspace whose period is ``period`` (day, week, month: ``Words.period``);
    an unknown key is a programming error, caught by the tests."""
    text = EXPLANATIONS[key]
    if period not in ("day", "month"):
        return text
    if (key, period) in _OWN_LINES:
        return _OWN_LINES[(key, period)]

    def swap(m: re.Match) -> str:
        said = _IN_PERIODS[m.group(0).lower()][period]
        return said[0].upper() + said[1:] if m.group(0)[0].isupper() else said

    return _PHRASE.sub(swap, text)
