"""Server-side Plotly figures of the Usage page (plotly.js is loaded once by
the page, as on the forecasting pages)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import LAYOUT, to_html

_SMALL = {**LAYOUT, "height": 300}


def bars_figure(days: list[dict], series: list[tuple[str, str, str]], title: str, yaxis: str,
                counts: bool = True) -> go.Figure:
    """Grouped bars of one unit (``yaxis``). Counts get whole-number ticks: with a maximum of a few, Plotly's
    automatic ticks (0, 0.2, 0.4, ...) formatted as integers read "0, 0, 0, 1, 1, 1"."""
    x = [d["day"] for d in days]
    fig = go.Figure()
    for key, name, colour in series:
        fig.add_trace(go.Bar(x=x, y=[d[key] for d in days], name=name, marker_color=colour))
    fig.update_layout(title=title, yaxis_title=yaxis, barmode="group", **_SMALL)
    if counts:
        top = max((d[key] or 0 for d in days for key, _, _ in series), default=0)
        fig.update_yaxes(tickformat=",d", rangemode="tozero",
                         **({"dtick": 1, "range": [0, max(top, 1) * 1.1]} if top <= 5 else {}))
    else:
        fig.update_yaxes(tickformat=",.1f", rangemode="tozero")
    return fig


def _bars(days, series, title, yaxis, div_id, counts: bool = True) -> str:
    return to_html(bars_figure(days, series, title, yaxis, counts), div_id)


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
        # one unit per axis: the counts, then the training minutes on a chart of their own
        "compute": _bars(days, [("trainings", "Trainings", "#7c3aed"), ("forecasts_served", "Forecasts served", "#2563eb"),
                                ("simulations", "Simulations", "#d97706")],
                         "Trainings, forecasts and simulations per day", "count", "usage-compute-chart"),
        "minutes": _bars(days, [("training_minutes", "Training minutes", "#a78bfa")], "Training minutes per day",
                         "minutes", "usage-minutes-chart", counts=False),
    }
