"""Server-side Plotly figures of the Usage page (plotly.js is loaded once by
the page, as on the forecasting pages)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import LAYOUT, to_html

_SMALL = {**LAYOUT, "height": 300}


def _bars(days: list[dict], series: list[tuple[str, str, str]], title: str, yaxis: str, div_id: str) -> str:
    x = [d["day"] for d in days]
    fig = go.Figure()
    for key, name, colour in series:
        fig.add_trace(go.Bar(x=x, y=[d[key] for d in days], name=name, marker_color=colour))
    fig.update_layout(title=title, yaxis_title=yaxis, barmode="group", **_SMALL)
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    return to_html(fig, div_id)


def usage_charts(days: list[dict]) -> dict[str, str]:
    x = [d["day"] for d in days]
    stored = go.Figure()
    stored.add_trace(go.Scatter(x=x, y=[d["rows_stored"] for d in days], mode="lines+markers", name="Rows stored",
                                line=dict(color="#2563eb")))
    stored.add_trace(go.Scatter(x=x, y=[round(d["storage_bytes"] / (1024 * 1024), 1) for d in days],
                                mode="lines+markers", name="Storage (MB)", yaxis="y2", line=dict(color="#d97706")))
    stored.update_layout(title="Stored data (measured daily)", yaxis=dict(title="rows", tickformat=",d", rangemode="tozero"),
                         yaxis2=dict(title="MB", overlaying="y", side="right", rangemode="tozero"), **_SMALL)
    return {
        "requests": _bars(days, [("api_requests", "API requests", "#2563eb")], "API requests per day", "requests",
                          "usage-requests-chart"),
        "ingest": _bars(days, [("rows_ingested", "Rows ingested", "#059669")], "Rows ingested per day", "rows",
                        "usage-ingest-chart"),
        "stored": to_html(stored, "usage-stored-chart"),
        "compute": _bars(days, [("trainings", "Trainings", "#7c3aed"), ("training_minutes", "Training minutes", "#a78bfa"),
                                ("forecasts_served", "Forecasts served", "#2563eb"),
                                ("simulations", "Simulations", "#d97706")],
                         "Trainings, forecasts and simulations per day", "count", "usage-compute-chart"),
    }
