"""Model page: live accuracy over time against the backtest expectation,
with the version's lifecycle events marked (server-side Plotly, like charts.py)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import LAYOUT, to_html

EVENT_COLORS = {"trained": "#6b7280", "refreshed": "#2563eb", "drift": "#dc2626"}


def live_accuracy_chart(version, evaluations: list, events: list[dict]) -> str:
    fig = go.Figure()
    runs: dict[int, list] = {}
    for ev in evaluations:
        runs.setdefault(ev.run_id, []).append(ev)
    for rows in runs.values():
        fig.add_trace(go.Scatter(
            x=[e.last_week for e in rows], y=[e.wmae for e in rows], mode="lines+markers",
            name=f"Live WMAE, forecast from {rows[0].origin:%Y-%m-%d}",
            customdata=[[e.weeks, e.coverage80 * 100, e.coverage95 * 100] for e in rows],
            hovertemplate="%{x|%Y-%m-%d}: WMAE %{y:,.1f} over %{customdata[0]} weeks · "
                          "coverage 80%: %{customdata[1]:.0f}% · 95%: %{customdata[2]:.0f}%<extra></extra>"))
    if evaluations:
        fig.add_trace(go.Scatter(x=[e.last_week for e in evaluations], y=[e.seasonal_naive_wmae for e in evaluations],
                                 mode="markers", name="Seasonal naive, same rows", marker=dict(color="#9ca3af")))
    if version.wmae is not None:
        fig.add_hline(y=version.wmae, line_dash="dash", line_color="#111827",
                      annotation_text=f"Backtest WMAE {version.wmae:,.1f}", annotation_position="top left")
    # every event's line and label set at once: add_vline/add_annotation per event re-validate all the
    # shapes before it (quadratic: 150 ms of the page for a few dozen events)
    shapes = [dict(type="line", xref="x", yref="paper", x0=ev["week"].isoformat(), x1=ev["week"].isoformat(), y0=0,
                   y1=1, line=dict(dash="dot", color=EVENT_COLORS.get(ev["label"], "#7c3aed"))) for ev in events]
    notes = [dict(x=ev["week"].isoformat(), yref="paper", y=1.0, text=ev["label"], showarrow=False, textangle=-90,
                  xanchor="right", yanchor="top", font=dict(size=10)) for ev in events]
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *notes])
    fig.update_layout(title="Live accuracy (WMAE on realized weeks)", yaxis_title="WMAE", **LAYOUT)
    fig.update_xaxes(title="last realized week", type="date")
    return to_html(fig, "live-accuracy-chart")
