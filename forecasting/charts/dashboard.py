"""Server-side Plotly figures of the Dashboard: the same dict figures, layout
and no-mode-bar rendering as the Stores pages (forecasting/charts/stores.py)."""
from __future__ import annotations

from forecasting.charts.base import Measure, band, forecast_y, gapped_xy, layout, to_html


def total_chart(history: list[dict], forecast: list[dict], of: str = "Total", measure: Measure = Measure()) -> str:
    """Total sales by period (or of one node: ``of`` names it) and the served forecast with its 80/95% bands."""
    data = [*band(forecast, "lo95", "hi95", "95% interval", "rgba(37,99,235,0.12)"),
            *band(forecast, "lo80", "hi80", "80% interval", "rgba(37,99,235,0.25)"),
            {"type": "scatter", **gapped_xy([h["date"] for h in history], [h["sales"] for h in history],
                                             measure.step_days),
             "mode": "lines", "name": f"{of} {measure.name.lower()}" if of == "Total" else measure.name,
             "line": {"color": "#111827", "width": 1.5}, "hovertemplate": measure.hover()}]
    if forecast:
        data.append({"type": "scatter", "x": [p["date"] for p in forecast], "y": forecast_y(forecast),
                     "mode": "lines+markers", "name": "Forecast", "line": {"color": "#2563eb", "width": 2},
                     "hovertemplate": measure.hover()})
    title = measure.title().lower()
    fig_layout = layout(f"{of} {title} and forecast" if of == "Total" else f"{measure.title()} and forecast: {of}",
                        yaxis=measure.axis())
    return to_html({"data": data, "layout": fig_layout}, "total-chart")


def store_type_chart(rows: list[dict], word: str = "store", plural: str = "stores", attribute: str = "type",
                     measure: Measure = Measure()) -> str:
    """Sales year to date by store type, or by the location ``attribute`` the card groups by (``word``: the
    workspace's for a location), in the workspace's unit, with the like-for-like growth in the hover label."""
    label = attribute.replace("_", " ")
    figure = f"{measure.unit}%{{y:,.0f}}" if measure.money else f"%{{y:,.0f}} {measure.unit}"
    data = [{"type": "bar", "x": [f"{label.capitalize()} {r['type']}" for r in rows], "y": [r["sales_ytd"] for r in rows],
             "customdata": [[r["stores"], "—" if r["growth"] is None else f"{r['growth'] * 100:+.1f}%"] for r in rows],
             "marker": {"color": "#2563eb"}, "name": f"{measure.name} YTD",
             "hovertemplate": "%{x}: " + figure + " (%{customdata[0]} " + plural + ", %{customdata[1]} vs last year)"
                              "<extra></extra>"}]
    fig_layout = layout(f"{measure.name} year to date by {word} {label}", height=300,
                        yaxis={"title": {"text": f"{measure.name} ({measure.unit})"},
                               "tickformat": "$~s" if measure.unit == "$" else "~s"}, showlegend=False)
    return to_html({"data": data, "layout": fig_layout}, "type-chart")
