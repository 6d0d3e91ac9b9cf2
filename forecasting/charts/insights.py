"""Server-side Plotly figures of the Insights page (plain dicts, no mode bar:
see forecasting/charts/stores.py): the store x department volatility heatmap."""
from __future__ import annotations

from forecasting.charts.base import layout, to_html


def hotspot_heatmap(rows: list[dict], div_id: str = "hotspot-heatmap", words=None, codes=None) -> str | None:
    """Coefficient of variation of sales per period, location x item (blank: no figure); ``words`` and
    ``codes``: the workspace's nouns and the retailer's codes (forecasting/selectors/catalog.py)."""
    fig = hotspot_figure(rows, words, codes)
    return None if fig is None else to_html(fig, div_id)


def hotspot_figure(rows: list[dict], words=None, codes=None) -> dict | None:
    rows = [r for r in rows if r.get("cv") is not None]
    if not rows:
        return None
    stores = sorted({r["store"] for r in rows})
    depts = sorted({r["dept"] for r in rows})
    si, di = {s: i for i, s in enumerate(stores)}, {d: j for j, d in enumerate(depts)}
    z = [[None] * len(depts) for _ in stores]
    for r in rows:
        z[si[r["store"]]][di[r["dept"]]] = round(r["cv"], 3)
    # the colours span the bulk of the values: a few tiny series with a CV of 30 made every other cell one
    # colour; cells above the 95th percentile take the top colour (their value is in the hover)
    cvs = sorted(r["cv"] for r in rows)
    top = max(cvs[min(len(cvs) - 1, int(0.95 * len(cvs)))], 1e-9)
    location, item = (words.location, words.item) if words is not None else ("Store", "Dept")

    def code(side: str, key) -> str:
        table = None if codes is None else (codes.locations if side == "location" else codes.items)
        return (table or {}).get(key, (str(key), ""))[0]

    data = [{"type": "heatmap", "x": [f"{item} {code('item', d)}" for d in depts],
             "y": [f"{location} {code('location', s)}" for s in stores], "z": z,
             "colorscale": "YlOrRd", "zmin": 0, "zmax": round(top, 3),
             "colorbar": {"title": {"text": f"CV (top: ≥ {top:.2f})"}},
             "hovertemplate": "%{y}, %{x}: coefficient of variation %{z:.2f}<extra></extra>", "hoverongaps": False}]
    title = "Volatility by store and department" if words is None else \
        f"Volatility by {words.location.lower()} and {words.item.lower()}"
    fig_layout = layout(title, height=max(300, 18 * len(stores) + 140),
                     xaxis={"type": "category", "tickangle": -45}, yaxis={"autorange": "reversed", "type": "category"})
    return {"data": data, "layout": fig_layout}


def roi_scatter(rows: list[dict], div_id: str = "roi-scatter") -> str | None:
    """Markdown cost against the incremental sales the model credits it with, a point per department and
    markdown type (one colour per type)."""
    rows = [r for r in rows if r["markdown"] != "all" and r["cost"] > 0]
    if not rows:
        return None
    data = []
    for label in sorted({r["label"] for r in rows}):
        pts = [r for r in rows if r["label"] == label]
        data.append({"type": "scatter", "mode": "markers", "name": label, "x": [round(r["cost"], 2) for r in pts],
                     "y": [round(r["incremental_sales"], 2) for r in pts],
                     "text": [f"Dept {r['dept']}" for r in pts],
                     "customdata": [None if r["roi"] is None else round(r["roi"] * 100, 1) for r in pts],
                     "hovertemplate": "%{text}, " + label + "<br>cost $%{x:,.0f}<br>incremental sales $%{y:,.0f}"
                                      "<br>ROI %{customdata:,.1f}%<extra></extra>"})
    fig_layout = layout("Markdown cost vs incremental sales", xaxis={"title": {"text": "Markdown cost ($)"},
                                                                   "tickformat": "$~s"},
                     yaxis={"title": {"text": "Incremental sales ($)"}, "tickformat": "$~s"})
    return to_html({"data": data, "layout": fig_layout}, div_id)
