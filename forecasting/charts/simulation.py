"""The simulator's per-week chart: baseline vs scenario sales (server-side
Plotly, no toolbar: forecasting/charts/base.py)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import to_html


def simulation_chart(answer: dict, div_id: str) -> str:
    weeks = [w["week"] for w in answer["by_week"]]
    fig = go.Figure()
    for key, name, color in (("baseline", "Baseline (planned markdowns)", "#9ca3af"),
                             ("scenario", "Scenario (entered markdowns)", "#2563eb")):
        fig.add_trace(go.Bar(x=weeks, y=[w[key] for w in answer["by_week"]], name=name, marker_color=color,
                             hovertemplate="Week ending %{x}<br>" + name.split(" (")[0] + ": $%{y:,.0f}<extra></extra>"))
    fig.update_layout(barmode="group", height=300, margin=dict(l=60, r=10, t=10, b=40),
                      legend=dict(orientation="h", y=-0.25), yaxis=dict(title="Weekly sales ($)", tickformat="$,.0f"),
                      xaxis=dict(type="category"))
    return to_html(fig, div_id)
