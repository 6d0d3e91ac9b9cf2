"""Every server-side Plotly chart renders through forecasting/charts/base.py's
``to_html`` with the one shared config (no mode bar: its toolbar covers the
title on a phone); no module renders a figure any other way."""
from __future__ import annotations

import re
from pathlib import Path

import plotly.graph_objects as go

REPO = Path(__file__).resolve().parents[2]
OTHER_RENDERING = re.compile(r"\bpio\.to_html\(|\.to_html\(\s*include_plotlyjs|\.write_html\(|plotly\.offline|"
                             r"Plotly\.(newPlot|react)\(")


def test_only_charts_base_renders_figures():
    offenders = []
    for folder in ("accounts", "billing", "forecasting", "saas", "tenants", "templates", "static"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".js") or "vendor" in path.parts:
                continue
            if path == REPO / "forecasting" / "charts" / "base.py":
                continue
            if OTHER_RENDERING.search(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_the_shared_config_has_no_mode_bar():
    from forecasting.charts.base import CONFIG, to_html

    assert CONFIG["displayModeBar"] is False and CONFIG["displaylogo"] is False
    for fig in (go.Figure(go.Bar(x=[1], y=[2])), {"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {}}):
        html = to_html(fig, "c")
        assert '"displayModeBar": false' in html and 'id="c"' in html and "<script" in html


def test_every_scatter_trace_states_its_mode():
    """Issue 19 item 6: interval bands were drawn as dots when the horizon was under 10 weeks. Plotly's
    default mode for a scatter trace depends on its number of points (markers under 20), so a chart's look
    changed with its data's size; every scatter trace a chart builds states its mode."""
    import ast

    missing = []
    for path in (REPO / "forecasting" / "charts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                is_scatter = any(isinstance(k, ast.Constant) and k.value == "type" and isinstance(v, ast.Constant)
                                 and v.value == "scatter" for k, v in zip(node.keys, node.values))
                if is_scatter and "mode" not in keys:
                    missing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert missing == []


def test_a_short_forecasts_band_is_an_area_not_dots():
    from forecasting.charts.base import band

    points = [{"date": f"2012-11-0{d}", "lo": 1.0, "hi": 3.0} for d in range(2, 6)]  # 4 weeks: 8 points
    (trace,) = band(points, "lo", "hi", "80 %", "rgba(0,0,0,0.1)")
    assert trace["mode"] == "lines" and trace["fill"] == "toself" and trace["line"]["width"] == 0
