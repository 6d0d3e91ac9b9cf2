"""What every server-side Plotly chart of the product shares: one config and
one function that renders a figure as an HTML fragment without plotly.js (a
page loads it once from static: vendor/plotly/plotly.min.js).

No mode bar: its toolbar covers a chart's title on a phone (390 px) and its
tools are of no use for reading a figure. The template is the product's default. Every chart builder renders
through ``to_html`` (tests/architecture/test_chart_config.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import plotly.io as pio

CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
# One look for every go.Figure, set once: ``update_layout(template="plotly_white")`` per chart deep-copies
# the template each time (~13 ms a chart, most of the Model page's time); dict figures name it themselves.
pio.templates.default = "plotly_white"


def to_html(fig, div_id: str) -> str:
    """``fig``: a ``go.Figure`` (validated when built) or a plain dict (``validate=False`` renders it in ~0.1 ms
    where building a ``go.Figure`` costs ~90 ms)."""
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, validate=False, config=CONFIG)


# go.Figure charts: margins, height and legend (the template is the default above)
LAYOUT = dict(margin=dict(l=50, r=20, t=40, b=40), height=380,  # template: this module's default
              legend=dict(orientation="h", y=-0.15))

# dict figures (a few hundred times cheaper to render than a go.Figure)
MONEY = "$%{y:,.0f}<extra>%{fullData.name}</extra>"
_ADJECTIVE = {"day": "Daily", "week": "Weekly", "month": "Monthly"}


@dataclass(frozen=True)
class Measure:
    """How a chart names the workspace's measure (its words: forecasting/selectors/catalog.py ``Words``):
    "Weekly sales ($)", "Daily units (units)"; a currency symbol prefixes the figures, a word follows them."""

    name: str = "Sales"
    unit: str = "$"
    period: str = "week"
    last_year: str = "Same week last year"  # the name of a period's last-year figure (Words.same_last_year)

    @classmethod
    def of(cls, words) -> Measure:
        return cls(name=words.measure, unit=words.unit, period=words.period, last_year=words.same_last_year)

    @property
    def money(self) -> bool:
        return not any(c.isalpha() for c in self.unit)

    def title(self) -> str:
        return f"{_ADJECTIVE.get(self.period, 'Weekly')} {self.name.lower()}"

    def axis(self) -> dict:
        return {"title": {"text": f"{self.title()} ({self.unit})"},
                "tickformat": "$~s" if self.unit == "$" else "~s"}

    @property
    def step_days(self) -> int:
        """The longest step between two dates of one unbroken line: a day, a week, a month."""
        return {"day": 1, "month": 31}.get(self.period, 7)

    def hover(self, label: str = "%{fullData.name}") -> str:
        figure = f"{self.unit}%{{y:,.0f}}" if self.money else f"%{{y:,.0f}} {self.unit}"
        return f"{figure}<extra>{label}</extra>"


@lru_cache(maxsize=1)
def template() -> dict:
    return pio.templates["plotly_white"].to_plotly_json()


def layout(title: str, **extra) -> dict:
    """A dict figure's layout: the template, a short left-aligned title, the legend below."""
    return {"template": template(), "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
            "margin": {"l": 55, "r": 15, "t": 50, "b": 40}, "height": 380, "separators": ".,",
            "legend": {"orientation": "h", "y": -0.18}, "hoverlabel": {"namelength": -1}, **extra}


def gapped(dates: list, values: list, step_days: int = 7) -> tuple[list, list]:
    """``dates``/``values`` with a break (None) wherever consecutive dates are more than ``step_days`` apart:
    a line never crosses weeks with no data, which would draw a trend nobody sold (gaps are gaps)."""
    xs, ys, before = [], [], None
    for d, v in zip(dates, values):
        day = date.fromisoformat(str(d)[:10])
        if before is not None and (day - before).days > step_days:
            xs.append((before + timedelta(days=step_days)).isoformat())
            ys.append(None)
        xs.append(d)
        ys.append(v)
        before = day
    return xs, ys


def gapped_xy(dates: list, values: list, step_days: int = 7) -> dict:
    """A trace's ``x`` and ``y`` from ``gapped``."""
    x, y = gapped(dates, values, step_days)
    return {"x": x, "y": y}


def closed(point: dict) -> bool:
    """A period the forecast knows closed (a store's closed day: 0 with a zero-width band): a gap, not a 0."""
    return point.get("forecast") == 0 and point.get("hi95") == 0 and point.get("lo95") == 0


def forecast_y(points: list[dict], field: str = "forecast") -> list:
    """The forecast line's values, a closed period left out (None: the line breaks there)."""
    return [None if closed(p) else p[field] for p in points]


def band(points: list[dict], lo: str, hi: str, name: str, color: str) -> list[dict]:
    """The filled area between ``lo`` and ``hi`` (none when a point lacks either), one area per run of
    open periods: a closed period breaks it instead of pinching it to 0."""
    if not points or any(p.get(lo) is None or p.get(hi) is None for p in points):
        return []
    runs, run = [], []
    for p in points:
        if closed(p):
            runs, run = runs + [run] if run else runs, []
        else:
            run.append(p)
    runs += [run] if run else []
    traces = []
    for k, part in enumerate(runs):
        dates = [p["date"] for p in part]
        traces.append({"type": "scatter", "mode": "lines", "x": dates + dates[::-1],
                       "y": [p[hi] for p in part] + [p[lo] for p in part][::-1], "fill": "toself",
                       "fillcolor": color, "line": {"width": 0}, "name": name, "hoverinfo": "skip",
                       "legendgroup": name, "showlegend": k == 0})
    return traces
