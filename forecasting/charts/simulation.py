"""The simulator's per-week chart: the incremental sales of the scenario
(scenario − baseline) per week with its 80 % range, bars from zero so two
scenarios can be told apart (server-side Plotly, no toolbar:
forecasting/charts/base.py)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import to_html


def simulation_chart(answer: dict, div_id: str) -> str:
    weeks = [w["week"] for w in answer["by_week"]]
    inc = [w["incremental_sales"] for w in answer["by_week"]]
    fig = go.Figure(go.Bar(
        x=weeks, y=inc, name="Incremental sales", marker_color=["#2563eb" if v >= 0 else "#dc2626" for v in inc],
        error_y=dict(type="data", symmetric=False, array=[w["hi80"] - w["incremental_sales"] for w in answer["by_week"]],
                     arrayminus=[w["incremental_sales"] - w["lo80"] for w in answer["by_week"]], color="#6b7280"),
        hovertemplate="Week ending %{x}<br>Incremental sales: $%{y:,.0f}<extra></extra>"))
    fig.update_layout(height=300, margin=dict(l=70, r=10, t=10, b=40), showlegend=False,
                      yaxis=dict(title="Incremental sales ($, 80 % range)", tickformat="$,.0f", zeroline=True,
                                 zerolinecolor="#111827"),
                      xaxis=dict(type="category"))
    return to_html(fig, div_id)
