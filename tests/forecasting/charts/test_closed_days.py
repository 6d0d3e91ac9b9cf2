"""A closed day ahead (0 with a zero-width band: the store's Christmas) is a gap in every forecast line and
band, not a drop to 0; a daily history breaks at a missing day, a weekly one at a missing week."""
from __future__ import annotations

import json
import re

from forecasting.charts.base import Measure, band, forecast_y, gapped
from forecasting.charts.forecast import forecast_chart


def _point(day: str, f: float, width: float = 5.0) -> dict:
    return {"date": day, "forecast": f, "lo80": f - width, "hi80": f + width, "lo95": f - 2 * width,
            "hi95": f + 2 * width}


POINTS = [_point("2026-12-24", 30.0), _point("2026-12-25", 0.0, 0.0), _point("2026-12-26", 32.0),
          _point("2026-12-27", 28.0)]


def test_the_closed_day_breaks_the_line_and_the_band():
    assert forecast_y(POINTS) == [30.0, None, 32.0, 28.0]
    areas = band(POINTS, "lo95", "hi95", "95% interval", "blue")
    assert [a["x"][: len(a["x"]) // 2] for a in areas] == [["2026-12-24"], ["2026-12-26", "2026-12-27"]]
    assert [a["showlegend"] for a in areas] == [True, False] and {a["legendgroup"] for a in areas} == {"95% interval"}
    html = forecast_chart([], POINTS, "ST-001", measure=Measure(unit="units", period="day"))
    traces = json.loads(re.search(r"Plotly\.newPlot\([^,]+,\s*(\[.*?\]),\s*\{", html, re.S).group(1))
    line = next(t for t in traces if t.get("name") == "Forecast")
    assert line["y"] == [30.0, None, 32.0, 28.0]


def test_a_daily_history_breaks_at_a_missing_day_and_a_weekly_one_at_a_missing_week():
    days = ["2026-12-23", "2026-12-24", "2026-12-26"]
    assert gapped(days, [1, 2, 3], Measure(period="day").step_days)[1] == [1, 2, None, 3]
    assert gapped(days, [1, 2, 3], Measure().step_days)[1] == [1, 2, 3]
    assert Measure(period="month").step_days == 31
