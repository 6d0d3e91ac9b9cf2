"""Server-side Plotly figures. HTML fragments without plotly.js: the page
loads it once from static (vendor/plotly/plotly.min.js)."""
from __future__ import annotations

import plotly.graph_objects as go

from forecasting.charts.base import LAYOUT, to_html
from forecasting.ml.labels import feature_label, periodic_label


def backtest_chart(version) -> str:
    windows = version.backtest or []
    names = [n for n in dict.fromkeys([version.chosen, "seasonal_naive", "last_value"])
             if any(w.get(n) for w in windows)]  # the baselines this version was measured against
    labels = {"seasonal_naive": "Seasonal naive", "last_value": "Last value"}
    fig = go.Figure()
    x = [w.get("origin") for w in windows]
    for name in names:
        fig.add_trace(go.Bar(x=x, y=[(w.get(name) or {}).get("wmae") for w in windows],
                             name=labels.get(name, f"{name} (chosen)")))
    fig.update_layout(title="Backtest WMAE per window (origin)", barmode="group", yaxis_title="WMAE", **LAYOUT)
    fig.update_xaxes(type="category", title="window origin (last period of training data)")
    return to_html(fig, "backtest-chart")


def importance_chart(version, top: int = 20) -> str:
    """The model's features in plain words (forecasting/ml/labels.py), by their share of the total gain."""
    everything = version.importance or []
    total = sum(float(i.get("gain") or 0) for i in everything) or 1.0
    items = everything[:top][::-1]
    shares = [i["share"] if i.get("share") is not None else float(i.get("gain") or 0) / total for i in items]
    label = periodic_label if version.periodic else feature_label
    fig = go.Figure(go.Bar(x=shares, y=[label(i.get("feature")) for i in items],
                           orientation="h", marker_color="#2563eb", hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    fig.update_layout(title="What the model relies on (share of LightGBM gain)", **{**LAYOUT, "height": 520})
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(automargin=True)
    return to_html(fig, "importance-chart")
