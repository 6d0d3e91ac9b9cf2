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
