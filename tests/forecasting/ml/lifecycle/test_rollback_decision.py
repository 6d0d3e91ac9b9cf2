"""The automatic-rollback rule (forecasting/ml/lifecycle/rollback.py) on numbers and
small frames alone."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.ml.lifecycle.rollback import live_comparison, rollback_decision


def test_worse_by_more_than_the_margin_rolls_back():
    d = rollback_decision(wmae=103.0, previous_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02,
                          champion_number=2, previous_number=1)
    assert d.decided and d.rollback and d.figures["worse_by"] == pytest.approx(0.03)
    assert "v2 103.0 vs v1 100.0" in d.note and "+3.0%" in d.note


def test_within_the_margin_or_better_keeps_the_champion():
    assert not rollback_decision(wmae=101.9, previous_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02).rollback
    exactly = rollback_decision(wmae=102.0, previous_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02)
    assert exactly.decided and not exactly.rollback  # "more than" the margin
    better = rollback_decision(wmae=80.0, previous_wmae=100.0, weeks=4, needed_weeks=4, margin=0.02)
    assert better.decided and not better.rollback and better.figures["worse_by"] == pytest.approx(-0.2)


def test_waits_until_the_weeks_are_realized():
    d = rollback_decision(wmae=300.0, previous_wmae=100.0, weeks=2, needed_weeks=4, margin=0.02)
    assert not d.decided and not d.rollback and "2 of 4" in d.note
    # at least one week is always needed
    assert not rollback_decision(wmae=300.0, previous_wmae=100.0, weeks=0, needed_weeks=0, margin=0.02).decided
    assert rollback_decision(wmae=300.0, previous_wmae=100.0, weeks=1, needed_weeks=0, margin=0.02).rollback


def test_a_perfect_previous_champion():
    exact = rollback_decision(wmae=1.0, previous_wmae=0.0, weeks=1, needed_weeks=1, margin=0.02)
    assert exact.rollback and exact.figures["worse_by"] is None  # stored as JSON: no infinity
    assert not rollback_decision(wmae=0.0, previous_wmae=0.0, weeks=1, needed_weeks=1, margin=0.02).rollback


def _fc(rows):
    return pd.DataFrame(rows, columns=["store", "dept", "date", "forecast"])


def test_live_comparison_uses_the_same_rows_for_both():
    champ = _fc([(1, 1, "2012-11-02", 30.0), (1, 1, "2012-11-09", 30.0), (2, 1, "2012-11-02", 50.0)])
    prev = _fc([(1, 1, "2012-11-02", 12.0), (1, 1, "2012-11-09", 8.0)])  # no forecast of series (2, 1)
    actuals = pd.DataFrame({"store": [1, 1, 2, 1], "dept": [1, 1, 1, 1],
                            "date": ["2012-11-02", "2012-11-09", "2012-11-02", "2012-11-16"],
                            "sales": [10.0, 10.0, 50.0, 99.0], "is_holiday": [False, True, False, False]})
    got = live_comparison(champ, prev, actuals)
    assert got["rows"] == 2 and got["weeks"] == 2
    # holiday week weighs 5: champion errors 20 and 20; previous 2 and 2 (week 2 holiday)
    assert got["wmae"] == pytest.approx((20 + 5 * 20) / 6)
    assert got["previous_wmae"] == pytest.approx((2 + 5 * 2) / 6)
    assert got["bias"] == pytest.approx(20.0) and got["previous_bias"] == pytest.approx(0.0)
    assert str(got["first_week"]) == "2012-11-02" and str(got["last_week"]) == "2012-11-09"
    assert live_comparison(champ, prev, actuals.iloc[2:]) is None  # nothing comparable realized
