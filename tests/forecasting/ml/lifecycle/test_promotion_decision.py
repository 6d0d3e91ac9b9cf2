"""The champion/challenger rule on numbers alone (no database)."""
from __future__ import annotations

import pytest

from forecasting.ml.lifecycle.promotion import promotion_decision


@pytest.fixture(autouse=True)
def _db():  # pure: overrides the package's database fixture
    yield


def test_first_version_is_promoted_when_it_beats_seasonal_naive():
    d = promotion_decision(wmae=90.0, seasonal_naive_wmae=100.0)
    assert d.promote and d.figures["basis"] == "first_version" and d.figures["beats_seasonal_naive"]


def test_first_version_that_does_not_beat_seasonal_naive_is_rejected():
    d = promotion_decision(wmae=100.0, seasonal_naive_wmae=100.0)  # a tie is not a win
    assert not d.promote and not d.figures["beats_seasonal_naive"] and "does not beat" in d.note


def test_exactly_at_the_margin_is_promoted():
    d = promotion_decision(wmae=98.0, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=3,
                           margin=0.02)
    assert d.promote
    assert d.figures["basis"] == "same_backtest" and d.figures["improvement"] == pytest.approx(0.02)
    assert d.figures["champion"] == 3 and d.figures["champion_wmae"] == 100.0


def test_just_short_of_the_margin_is_rejected():
    d = promotion_decision(wmae=98.01, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=3,
                           margin=0.02)
    assert not d.promote and not d.figures["beats_champion_by_margin"] and d.figures["beats_seasonal_naive"]
    assert "v3" in d.note and "needs 2%" in d.note


def test_beating_the_champion_but_not_seasonal_naive_is_rejected():
    d = promotion_decision(wmae=80.0, seasonal_naive_wmae=79.0, champion_wmae=100.0, champion_number=1,
                           margin=0.02)
    assert not d.promote and d.figures["beats_champion_by_margin"] and not d.figures["beats_seasonal_naive"]


def test_worse_than_the_champion_is_rejected_with_its_figures():
    d = promotion_decision(wmae=110.0, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=2,
                           margin=0.02)
    assert not d.promote and d.figures["improvement"] == pytest.approx(-0.10)
    assert {"wmae", "seasonal_naive_wmae", "champion_wmae", "margin"} <= set(d.figures)


def test_margin_zero_promotes_any_improvement():
    assert promotion_decision(wmae=99.99, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=1,
                              margin=0.0).promote


def test_different_backtests_compare_skill_against_seasonal_naive():
    # champion: 100 / 200 = 0.50; challenger: 120 / 260 = 0.4615 -> 7.7% better in skill
    d = promotion_decision(wmae=120.0, seasonal_naive_wmae=260.0, champion_wmae=100.0,
                           champion_seasonal_naive_wmae=200.0, champion_number=4, same_backtest=False, margin=0.02)
    assert d.promote and d.figures["basis"] == "skill_vs_seasonal_naive"
    assert d.figures["skill"] == pytest.approx(120 / 260) and d.figures["champion_skill"] == pytest.approx(0.5)
    # 0.495 vs 0.50 is only 1% better: rejected
    d = promotion_decision(wmae=99.0, seasonal_naive_wmae=200.0, champion_wmae=100.0,
                           champion_seasonal_naive_wmae=200.0, champion_number=4, same_backtest=False, margin=0.02)
    assert not d.promote


def test_no_wmae_is_never_promoted():
    assert not promotion_decision(wmae=None, seasonal_naive_wmae=100.0).promote


def test_different_backtests_compare_on_the_champions_rescore_when_there_is_one():
    rescored = {"wmae": 95.0, "champion_wmae": 100.0, "rows": 1234, "weeks": 8, "windows": ["2012-01-06"],
                "champion": 1}
    d = promotion_decision(wmae=500.0, seasonal_naive_wmae=600.0, champion_wmae=10.0,
                           champion_seasonal_naive_wmae=100.0, champion_number=1, same_backtest=False,
                           rescored=rescored)
    # its own backtests say the champion is far better (skill 0.1 vs 0.83); on the same rows it is 5% worse
    assert d.promote and d.figures["basis"] == "champion_on_challenger_windows"
    assert d.figures["improvement"] == pytest.approx(0.05) and d.figures["rescored"] == rescored
    assert "1,234 rows" in d.note and "95.0 vs champion v1 100.0" in d.note and "2012-01-06" in d.note
    # it must still beat seasonal naive on its own backtest
    assert not promotion_decision(wmae=500.0, seasonal_naive_wmae=400.0, champion_wmae=10.0,
                                  champion_seasonal_naive_wmae=100.0, champion_number=1, same_backtest=False,
                                  rescored=rescored).promote
    # the same backtest needs no rescore: its own figures decide
    same = promotion_decision(wmae=99.0, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=1,
                              same_backtest=True, rescored=rescored)
    assert same.figures["basis"] == "same_backtest" and not same.promote


def test_a_shorter_horizon_never_replaces_the_champion_automatically():
    """Issue 19 item 1: an 8-week model promoted over the 13-week one made the Dashboard sum 8 weeks
    under "next 13 weeks". Far better figures do not change that; the same or a longer horizon still can."""
    d = promotion_decision(wmae=50.0, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=3,
                           margin=0.02, horizon=8, champion_horizon=13)
    assert not d.promote and d.figures["basis"] == "shorter_horizon"
    assert "horizon 8 periods is shorter than champion v3's 13" in d.note
    for horizon in (13, 26):
        assert promotion_decision(wmae=50.0, seasonal_naive_wmae=150.0, champion_wmae=100.0, champion_number=3,
                                  margin=0.02, horizon=horizon, champion_horizon=13).promote
    assert promotion_decision(wmae=50.0, seasonal_naive_wmae=150.0, horizon=4).promote  # a first version
