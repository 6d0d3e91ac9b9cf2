"""The Forecast page's chart: the series' history, the served forecast with its
80/95% bands, the same weeks last year, and earlier forecasts against what
happened. No mode bar (it covers the title on a phone); money hover labels."""
from __future__ import annotations

from forecasting.charts.base import Measure, band, forecast_y, gapped_xy, layout, to_html

EARLIER_COLOURS = ("#d97706", "#7c3aed", "#059669")


def _iso(d) -> str:
    return d.isoformat() if hasattr(d, "isoformat") else str(d)


def _day(d) -> str:
    """The date a last-year figure is of, as its hover names it: "Thu 26 Dec 2024"."""
    return d.strftime("%a %-d %b %Y") if hasattr(d, "strftime") else str(d or "")


def earlier_name(run: dict) -> str:
    return f"Forecast from {_iso(run['origin'])} (v{run['model_version']})"


def forecast_chart(history: list[dict], points: list[dict], title: str, *, last_year: list[dict] = (),
                   earlier: list[dict] = (), measure: Measure = Measure()) -> str:
    """``history`` [{date, sales}], ``points`` the served forecast, ``last_year`` [{date, sales}] drawn on this
    year's dates, ``earlier`` runs of ``selectors/forecast.py: earlier_forecasts`` (dashed, one trace each)."""
    pts = [{**p, "date": _iso(p["date"])} for p in points]
    data = [*band(pts, "lo95", "hi95", "95% interval", "rgba(37,99,235,0.12)"),
            *band(pts, "lo80", "hi80", "80% interval", "rgba(37,99,235,0.25)"),
            {"type": "scatter", **gapped_xy([_iso(h["date"]) for h in history], [h["sales"] for h in history],
                                             measure.step_days),
             "mode": "lines", "name": "History", "line": {"color": "#111827", "width": 1.5},
             "hovertemplate": measure.hover()}]
    if last_year:
        data.append({"type": "scatter", **gapped_xy([_iso(r["date"]) for r in last_year],
                                                      [r["sales"] for r in last_year], measure.step_days),
                     "mode": "lines", "name": "Last year", "line": {"color": "#9ca3af", "width": 1, "dash": "dot"},
                     "customdata": [_day(r.get("last_year_date")) for r in last_year],
                     "hovertemplate": measure.hover(f"{measure.last_year} (%{{customdata}})")})
    for run, colour in zip(earlier, EARLIER_COLOURS):
        data.append({"type": "scatter", "x": [_iso(p["date"]) for p in run["points"]],
                     "y": [p["forecast"] for p in run["points"]], "mode": "lines+markers", "name": earlier_name(run),
                     "line": {"color": colour, "width": 1.5, "dash": "dash"}, "marker": {"size": 4},
                     "hovertemplate": measure.hover()})
    overridden = any(p.get("overridden") for p in pts)
    if overridden:  # the model's own figure beside the planners' final one
        data.append({"type": "scatter", "x": [p["date"] for p in pts], "y": forecast_y(pts, "statistical"),
                     "mode": "lines", "name": "Statistical forecast", "line": {"color": "#6b7280", "width": 1.5,
                                                                               "dash": "dot"},
                     "hovertemplate": measure.hover()})
    if pts:
        data.append({"type": "scatter", "x": [p["date"] for p in pts], "y": forecast_y(pts),
                     "mode": "lines+markers", "name": "Forecast with overrides" if overridden else "Forecast",
                     "line": {"color": "#2563eb", "width": 2}, "hovertemplate": measure.hover()})
    fig_layout = layout(title, yaxis=measure.axis())
    return to_html({"data": data, "layout": fig_layout}, "forecast-chart")
