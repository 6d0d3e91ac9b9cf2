"""Server-side Plotly figures of the Stores and Departments pages. No mode bar
(forecasting/charts/base.py), readable hover labels with thousands
separators and units, titles left-aligned and short enough for 390 px.

Figures are plain dicts rendered without plotly's validation: building a
``go.Figure`` costs ~90 ms a chart, the dict ~0.1 ms (these pages render two)."""
from __future__ import annotations

from forecasting.charts.base import MONEY, Measure, band, forecast_y, gapped, layout, to_html
from forecasting.ml.drift import COVARIATE_LABELS, MARKDOWNS
from forecasting.templatetags.figures import money


def anomaly_markers(history: list[dict], anomalies: list[dict], part: str) -> list[dict]:
    """A marker on the total line at each week with an anomalous series; its hover names each series
    (``part``: "dept" on a store's chart, "store" on a department's) with its sales, expected range and rule."""
    total = {h["date"]: h["sales"] for h in history}
    weeks: dict = {}
    for a in anomalies:
        if a["date"] in total:
            weeks.setdefault(a["date"], []).append(
                f"{'Dept' if part == 'dept' else 'Store'} {a[part]}: sales {money(a['sales'])}, expected "
                f"{money(a['lo'])} – {money(a['hi'])}; {a['rule'][0].lower()}{a['rule'][1:]}")
    if not weeks:
        return []
    dates = sorted(weeks)
    return [{"type": "scatter", "mode": "markers", "name": "Anomaly", "x": dates, "y": [total[d] for d in dates],
             "marker": {"color": "#dc2626", "size": 9, "symbol": "circle-open", "line": {"width": 2}},
             "text": [f"Week of {d}<br>" + "<br>".join(weeks[d]) for d in dates],
             "hovertemplate": "%{text}<extra></extra>"}]


def history_chart(history: list[dict], forecast: list[dict], title: str, div_id: str,
                  anomalies: list[dict] = (), part: str = "dept", measure: Measure = Measure()) -> str:
    """Weekly sales, the same weeks last year, the served forecast with its 80/95% bands, and the weeks
    with an anomalous series (``anomaly_markers``)."""
    dates = [h["date"] for h in history]
    x, sales = gapped(dates, [h["sales"] for h in history], measure.step_days)
    _, last_year = gapped(dates, [h["last_year"] for h in history], measure.step_days)
    data = [*band(forecast, "lo95", "hi95", "95% interval", "rgba(37,99,235,0.12)"),
            *band(forecast, "lo80", "hi80", "80% interval", "rgba(37,99,235,0.25)"),
            {"type": "scatter", "x": x, "y": sales, "mode": "lines", "name": "Sales",
             "line": {"color": "#111827", "width": 1.5}, "hovertemplate": measure.hover()},
            {"type": "scatter", "x": x, "y": last_year, "mode": "lines",
             "name": measure.last_year, "line": {"color": "#9ca3af", "width": 1, "dash": "dot"},
             "hovertemplate": measure.hover()}]
    if forecast:
        data.append({"type": "scatter", "x": [p["date"] for p in forecast], "y": forecast_y(forecast),
                     "mode": "lines+markers", "name": "Forecast", "line": {"color": "#2563eb", "width": 2},
                     "hovertemplate": measure.hover()})
    data.extend(anomaly_markers(history, anomalies, part))
    fig_layout = layout(title, yaxis=measure.axis())
    return to_html({"data": data, "layout": fig_layout}, div_id)


def covariate_chart(rows: list[dict], div_id: str = "covariate-chart") -> str:
    """Markdowns as stacked bars above; temperature (°F, left) and fuel price ($ per gallon, right) below:
    one unit per axis."""
    return to_html(covariate_figure(rows), div_id)


def covariate_figure(rows: list[dict]) -> dict:
    dates = [r["date"] for r in rows]
    data = []
    for col in sorted(MARKDOWNS):
        values = [r[col] for r in rows]
        if any(v for v in values):
            data.append({"type": "bar", "x": dates, "y": values, "name": COVARIATE_LABELS[col],
                         "hovertemplate": MONEY})
    for col, color, fmt, axis in (("temperature", "#dc2626", "%{y:.1f} °F", "y2"),
                                  ("fuel_price", "#059669", "$%{y:.2f} per gallon", "y3")):
        values = [r[col] for r in rows]
        if any(v is not None for v in values):
            data.append({"type": "scatter", "x": dates, "y": values, "name": COVARIATE_LABELS[col], "mode": "lines",
                         "yaxis": axis, "line": {"color": color, "width": 1},
                         "hovertemplate": fmt + "<extra>" + COVARIATE_LABELS[col] + "</extra>"})
    fig_layout = layout("Markdowns and covariates", barmode="stack", height=460,
                        yaxis={"domain": [0.45, 1], "title": {"text": "Markdowns ($)"}, "tickformat": "$~s"},
                        yaxis2={"domain": [0, 0.35], "anchor": "x", "title": {"text": "°F"}},
                        yaxis3={"overlaying": "y2", "side": "right", "anchor": "x", "showgrid": False,
                                "title": {"text": "$ per gallon"}, "tickformat": "$.2f"})
    return {"data": data, "layout": fig_layout}


def heatmap_chart(heatmap: dict, title: str, div_id: str = "heatmap-chart", measure: Measure = Measure(),
                  labels: list[str] | None = None) -> str:
    """Location x period sales of one item, coloured in the workspace's unit (``labels``: the locations' names
    in the workspace's words, "Store 12" by default)."""
    money = measure.money
    data = [{"type": "heatmap", "x": heatmap["weeks"], "y": labels or [f"Store {s}" for s in heatmap["stores"]],
             "z": heatmap["sales"], "colorscale": "Blues",
             "colorbar": {"title": {"text": measure.unit}, "tickformat": "~s"},
             "hovertemplate": f"%{{y}}, {measure.period} of %{{x}}: "
                              + (f"{measure.unit}%{{z:,.0f}}" if money else f"%{{z:,.0f}} {measure.unit}")
                              + "<extra></extra>"}]
    fig_layout = layout(title, height=max(300, 22 * len(heatmap["stores"]) + 120),
                     yaxis={"autorange": "reversed", "type": "category"})
    return to_html({"data": data, "layout": fig_layout}, div_id)


def own_covariate_chart(covariates: list[dict], div_id: str = "covariate-chart") -> str | None:
    """The retailer's own covariates of a store (forecasting/selectors/covariates.py), one row each: each has
    its own unit, so each has its own axis."""
    shown = [c for c in covariates if c["points"]]
    if not shown:
        return None
    step = 1.0 / len(shown)
    data, axes = [], {}
    for i, c in enumerate(shown):
        axis = "y" if i == 0 else f"y{i + 1}"
        data.append({"type": "scatter", "mode": "lines", "name": c["name"], "yaxis": axis,
                     "x": [p["date"] for p in c["points"]], "y": [p["value"] for p in c["points"]],
                     "line": {"width": 1}, "hovertemplate": "%{y:,.2f}<extra>" + c["name"] + "</extra>"})
        top = 1.0 - i * step
        axes["yaxis" if i == 0 else f"yaxis{i + 1}"] = {"domain": [max(0.0, top - step + 0.06), top], "anchor": "x",
                                                        "title": {"text": c["name"]}}
    return to_html({"data": data, "layout": layout("Covariates", height=max(300, 160 * len(shown)), **axes)}, div_id)
