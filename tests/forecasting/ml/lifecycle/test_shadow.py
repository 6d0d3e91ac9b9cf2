"""The shadow-period rule (forecasting/ml/lifecycle/shadow.py) on numbers and small frames alone."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.ml.lifecycle.shadow import shadow_comparison, shadow_decision


def test_waits_until_the_shadow_weeks_are_realized():
    d = shadow_decision(wmae=10.0, champion_wmae=100.0, weeks=2, needed_weeks=4, margin=0.02)
    assert not d.decided and not d.promote and "2 of 4" in d.note
    assert not shadow_decision(wmae=10.0, champion_wmae=100.0, weeks=0, needed_weeks=0, margin=0.02).decided
    assert shadow_decision(wmae=10.0, champion_wmae=100.0, weeks=1, needed_weeks=0, margin=0.02).promote


def test_promotes_only_when_it_beats_the_champion_by_the_margin():
    d = shadow_decision(wmae=97.0, champion_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02, rows=1234,
                        shadow_number=3, champion_number=2)
    assert d.decided and d.promote and d.figures["improvement"] == pytest.approx(0.03)
    assert "v3 97.0 vs champion v2 100.0" in d.note and "+3.0%" in d.note and "1,234 rows" in d.note
    exactly = shadow_decision(wmae=98.0, champion_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02)
    assert exactly.decided and exactly.promote  # "at least" the margin, as the backtest rule
    short = shadow_decision(wmae=98.5, champion_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02)
    assert short.decided and not short.promote and "does not beat" in short.note
    worse = shadow_decision(wmae=150.0, champion_wmae=100.0, weeks=5, needed_weeks=4, margin=0.02)
    assert worse.decided and not worse.promote and worse.figures["improvement"] == pytest.approx(-0.5)


def test_realized_weeks_can_wait_for_the_champions_refresh():
    d = shadow_decision(wmae=10.0, champion_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02,
                        waiting_for="the champion's forecast refresh")
    assert not d.decided and not d.promote and "4 of 4" in d.note and "refresh" in d.note


def test_an_exact_champion_or_no_comparable_row_rejects():
    exact = shadow_decision(wmae=0.0, champion_wmae=0.0, weeks=2, needed_weeks=2, margin=0.02)
    assert exact.decided and not exact.promote and exact.figures["improvement"] is None
    none = shadow_decision(wmae=None, champion_wmae=None, weeks=2, needed_weeks=2, margin=0.02, champion_number=1)
    assert none.decided and not none.promote and "cannot be compared" in none.note


def _fc(rows):
    return pd.DataFrame(rows, columns=["store", "dept", "date", "forecast"])


def test_comparison_scores_both_runs_on_the_same_realized_rows():
    shadow = _fc([(1, 1, "2012-01-06", 12.0), (1, 1, "2012-01-13", 10.0), (1, 2, "2012-01-06", 5.0)])
    champion = _fc([(1, 1, "2012-01-06", 30.0), (1, 1, "2012-01-13", 30.0)])  # (1, 2) not forecast by it
    actuals = pd.DataFrame({"store": [1, 1, 1], "dept": [1, 1, 2],
                            "date": ["2012-01-06", "2012-01-13", "2012-01-06"],
                            "sales": [10.0, 10.0, 7.0], "is_holiday": [True, False, False]})
    got = shadow_comparison(shadow, champion, actuals)
    assert got["rows"] == 2 and got["weeks"] == 2
    # holiday week weighs 5: shadow (5*2 + 1*0) / 6, champion (5*20 + 1*20) / 6
    assert got["wmae"] == pytest.approx(10 / 6) and got["champion_wmae"] == pytest.approx(20.0)
    assert got["champion_bias"] == pytest.approx(20.0) and "previous_wmae" not in got
    assert shadow_comparison(shadow, champion.iloc[0:0], actuals) is None
