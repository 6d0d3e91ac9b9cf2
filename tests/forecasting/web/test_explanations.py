"""Issue 19, workflow 1: every figure's column header and card has a one-line explanation on hover, from
one place (forecasting/web/explanations.py). Rendered through the real templates: each explained header of
the Stores, Departments, Models, model, Insights and Dashboard pages carries its line as a ``title``."""
from __future__ import annotations

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError

from forecasting.selectors.catalog import Words
from forecasting.web.explanations import EXPLANATIONS

TEMPLATES = "templates/forecasting"


def test_every_explain_tag_names_a_known_figure_and_every_figure_is_used():
    from tests.conftest import REPO

    used = set()
    for path in (REPO / TEMPLATES).glob("*.html"):
        text = path.read_text()
        used |= set(re.findall(r'{% explain "([a-z0-9_]+)" %}', text))
        used |= set(re.findall(r'explain_key="([a-z0-9_]+)"', text))
    assert used - set(EXPLANATIONS) == set()  # a tag with an unknown key
    assert set(EXPLANATIONS) - used == set()  # a line nobody shows


def test_the_tag_renders_the_line_escaped_and_refuses_an_unknown_key():
    out = Template('{% load figures %}<th title="{% explain "wape" %}">WAPE</th>').render(Context({}))
    assert f'title="{EXPLANATIONS["wape"]}"' in out
    out = Template('{% load figures %}<th title="{% explain "forecast_13w" %}">').render(Context({}))
    assert "&quot;" not in out and "13 weeks" in out
    with pytest.raises((KeyError, TemplateSyntaxError)):
        Template('{% load figures %}{% explain "no_such_figure" %}').render(Context({}))


def test_a_daily_or_monthly_workspace_reads_each_line_in_its_periods():
    def line(key, period):
        return Template(f'{{% load figures %}}{{% explain "{key}" %}}').render(Context({"words": Words(period=period)}))

    assert line("volatility", "week") == EXPLANATIONS["volatility"]
    assert line("volatility", "day") == ("Coefficient of variation of the daily sales over the last 364 days "
                                         "(standard deviation / mean)")
    assert line("forecast_13w", "month") == ("The served forecast summed over its next 3 months (fewer when its "
                                             "horizon is shorter)")
    assert "the same weekday 52 weeks earlier" in line("naive_wmae", "day")
    assert line("last_week", "day").startswith("Sales of the last 7 days against the same weekdays")
    for key in EXPLANATIONS:  # no weekly word left in a daily workspace's lines
        assert not re.search(r"\bweek(s|ly)?\b", line(key, "day").replace("52 weeks earlier", ""), re.I), key
