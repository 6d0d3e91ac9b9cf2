"""Server-side Plotly figures. HTML fragments without plotly.js: the page
loads it once from static (vendor/plotly/plotly.min.js)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts_base import to_html

LAYOUT = dict(margin=dict(l=50, r=20, t=40, b=40), height=380, template="plotly_white",
              legend=dict(orientation="h", y=-0.15))


def forecast_chart(history: list[dict], points: list[dict], title: str) -> str:
    fig = go.Figure()
    if points:
        dates = [p["date"] for p in points]
        fig.add_trace(go.Scatter(x=dates + dates[::-1], y=[p["hi95"] for p in points] + [p["lo95"] for p in points][::-1],
                                 fill="toself", fillcolor="rgba(37,99,235,0.12)", line=dict(width=0),
                                 name="95% interval", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=dates + dates[::-1], y=[p["hi80"] for p in points] + [p["lo80"] for p in points][::-1],
                                 fill="toself", fillcolor="rgba(37,99,235,0.25)", line=dict(width=0),
                                 name="80% interval", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[h["date"] for h in history], y=[h["sales"] for h in history], mode="lines",
                             name="History", line=dict(color="#111827", width=1.5)))
    if points:
        fig.add_trace(go.Scatter(x=[p["date"] for p in points], y=[p["forecast"] for p in points],
                                 mode="lines+markers", name="Forecast", line=dict(color="#2563eb", width=2)))
    fig.update_layout(title=title, yaxis_title="Weekly sales", **LAYOUT)
    return to_html(fig, "forecast-chart")


def backtest_chart(version) -> str:
    names = [version.chosen, "seasonal_naive", "last_value"]
    labels = {"seasonal_naive": "Seasonal naive", "last_value": "Last value"}
    fig = go.Figure()
    windows = version.backtest or []
    x = [w.get("origin") for w in windows]
    for name in names:
        fig.add_trace(go.Bar(x=x, y=[(w.get(name) or {}).get("wmae") for w in windows],
                             name=labels.get(name, f"{name} (chosen)")))
    fig.update_layout(title="Backtest WMAE per window (origin)", barmode="group", yaxis_title="WMAE", **LAYOUT)
    fig.update_xaxes(type="category", title="window origin (last week of training data)")
    return to_html(fig, "backtest-chart")


def importance_chart(version, top: int = 20) -> str:
    items = (version.importance or [])[:top][::-1]
    fig = go.Figure(go.Bar(x=[i.get("gain") for i in items], y=[i.get("feature") for i in items], orientation="h",
                           marker_color="#2563eb"))
    fig.update_layout(title="Feature importance (LightGBM gain)", **{**LAYOUT, "height": 520})
    return to_html(fig, "importance-chart")


def total_chart(history: list[dict], forecast: list[dict]) -> str:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[h["date"] for h in history], y=[h["sales"] for h in history], mode="lines",
                             name="Total sales", line=dict(color="#111827")))
    if forecast:
        fig.add_trace(go.Scatter(x=[f["date"] for f in forecast], y=[f["forecast"] for f in forecast],
                                 mode="lines+markers", name="Forecast (active model)", line=dict(color="#2563eb")))
    fig.update_layout(title="All stores and departments", yaxis_title="Weekly sales", **LAYOUT)
    return to_html(fig, "total-chart")
