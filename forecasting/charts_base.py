"""What every server-side Plotly chart of the product shares: one config and
one function that renders a figure as an HTML fragment without plotly.js (a
page loads it once from static: vendor/plotly/plotly.min.js).

No mode bar: its toolbar covers a chart's title on a phone (390 px) and its
tools are of no use for reading a figure. The template is the product's default. Every chart builder renders
through ``to_html`` (tests/platform/test_chart_config.py)."""
from __future__ import annotations

import plotly.io as pio

CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
# One look for every go.Figure, set once: ``update_layout(template="plotly_white")`` per chart deep-copies
# the template each time (~13 ms a chart, most of the Model page's time); dict figures name it themselves.
pio.templates.default = "plotly_white"


def to_html(fig, div_id: str) -> str:
    """``fig``: a ``go.Figure`` (validated when built) or a plain dict (``validate=False`` renders it in ~0.1 ms
    where building a ``go.Figure`` costs ~90 ms)."""
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, validate=False, config=CONFIG)
