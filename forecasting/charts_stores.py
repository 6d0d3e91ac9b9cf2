"""Server-side Plotly figures of the Stores and Departments pages. No mode bar
(its toolbar covers the title on a phone), readable hover labels with thousands
separators and units, titles above a top margin that leaves room on 390 px."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from forecasting.ml.drift import COVARIATE_LABELS, MARKDOWNS

LAYOUT = dict(margin=dict(l=55, r=15, t=50, b=40), height=380, template="plotly_white",
              legend=dict(orientation="h", y=-0.18), hoverlabel=dict(namelength=-1),
              separators=".,")
TITLE = dict(x=0, xanchor="left", font=dict(size=15))
MONEY = "$%{y:,.0f}<extra>%{fullData.name}</extra>"


def to_html(fig, div_id: str) -> str:
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True, "displayModeBar": False})


def _band(fig, points: list[dict], lo: str, hi: str, name: str, color: str) -> None:
    if not points or any(p.get(lo) is None or p.get(hi) is None for p in points):
        return
    dates = [p["date"] for p in points]
    fig.add_trace(go.Scatter(x=dates + dates[::-1], y=[p[hi] for p in points] + [p[lo] for p in points][::-1],
                             fill="toself", fillcolor=color, line=dict(width=0), name=name, hoverinfo="skip"))


def history_chart(history: list[dict], forecast: list[dict], title: str, div_id: str) -> str:
    """Weekly sales, the same weeks last year, and the served forecast with its 80/95% bands."""
    fig = go.Figure()
    _band(fig, forecast, "lo95", "hi95", "95% interval", "rgba(37,99,235,0.12)")
    _band(fig, forecast, "lo80", "hi80", "80% interval", "rgba(37,99,235,0.25)")
    dates = [h["date"] for h in history]
    fig.add_trace(go.Scatter(x=dates, y=[h["sales"] for h in history], mode="lines", name="Sales",
                             line=dict(color="#111827", width=1.5), hovertemplate=MONEY))
    fig.add_trace(go.Scatter(x=dates, y=[h["last_year"] for h in history], mode="lines", name="Same week last year",
                             line=dict(color="#9ca3af", width=1, dash="dot"), hovertemplate=MONEY))
    if forecast:
        fig.add_trace(go.Scatter(x=[p["date"] for p in forecast], y=[p["forecast"] for p in forecast],
                                 mode="lines+markers", name="Forecast", line=dict(color="#2563eb", width=2),
                                 hovertemplate=MONEY))
    fig.update_layout(title=dict(text=title, **TITLE), yaxis_title="Weekly sales ($)", **LAYOUT)
    fig.update_yaxes(tickformat="$~s")
    return to_html(fig, div_id)


def covariate_chart(rows: list[dict], div_id: str = "covariate-chart") -> str:
    """Markdowns as stacked bars, temperature and fuel price as lines on a second axis."""
    fig = go.Figure()
    dates = [r["date"] for r in rows]
    for col in sorted(MARKDOWNS):
        values = [r[col] for r in rows]
        if any(v for v in values):
            fig.add_trace(go.Bar(x=dates, y=values, name=COVARIATE_LABELS[col], hovertemplate=MONEY))
    for col, color in (("temperature", "#dc2626"), ("fuel_price", "#059669")):
        values = [r[col] for r in rows]
        if any(v is not None for v in values):
            fmt = "%{y:.1f} °F" if col == "temperature" else "$%{y:.2f} per gallon"
            fig.add_trace(go.Scatter(x=dates, y=values, name=COVARIATE_LABELS[col], mode="lines", yaxis="y2",
                                     line=dict(color=color, width=1), hovertemplate=fmt + "<extra></extra>"))
    fig.update_layout(title=dict(text="Markdowns and covariates", **TITLE), barmode="stack",
                      yaxis=dict(title="Markdowns ($)", tickformat="$~s"),
                      yaxis2=dict(overlaying="y", side="right", showgrid=False, title="°F / $ per gallon"), **LAYOUT)
    return to_html(fig, div_id)


def heatmap_chart(heatmap: dict, title: str, div_id: str = "heatmap-chart") -> str:
    """Store x week sales of one department."""
    fig = go.Figure(go.Heatmap(x=heatmap["weeks"], y=[f"Store {s}" for s in heatmap["stores"]], z=heatmap["sales"],
                               colorscale="Blues", colorbar=dict(title="$", tickformat="~s"),
                               hovertemplate="%{y}, week of %{x}: $%{z:,.0f}<extra></extra>"))
    height = max(300, 22 * len(heatmap["stores"]) + 120)
    fig.update_layout(title=dict(text=title, **TITLE), **{**LAYOUT, "height": height})
    fig.update_yaxes(autorange="reversed", type="category")
    return to_html(fig, div_id)
