"""Issue 19, item 8: the backtest's WAPE by store and by department, from the windows' observed cells of
the chosen model only (pure)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from forecasting.ml.backtest_accuracy import backtest_accuracy_by


def test_wape_by_store_and_department_over_observed_cells():
    panel = SimpleNamespace(n=3, keys=np.array([[1, 10], [1, 20], [2, 10]]))
    y = np.array([[100.0, 100.0], [50.0, 50.0], [10.0, 0.0]])
    obs = np.array([[True, True], [True, False], [True, True]])
    chosen = np.array([[90.0, 120.0], [50.0, 999.0], [20.0, 5.0]])  # 999: a week with no actual
    other = np.zeros_like(y)
    got = backtest_accuracy_by(panel, [{"obs": obs, "y": y, "fc": {"ensemble": chosen, "naive": other}}],
                               "ensemble")
    assert got["store"]["1"]["wape"] == pytest.approx((10 + 20 + 0) / (100 + 100 + 50))
    assert got["store"]["2"]["wape"] == pytest.approx((10 + 5) / 10)
    assert got["dept"]["10"]["wape"] == pytest.approx((10 + 20 + 10 + 5) / 210)
    assert got["dept"]["20"]["wape"] == 0.0 and (got["windows"], got["weeks"]) == (1, 2)


def test_no_actual_gives_no_ratio_and_no_window_gives_nothing():
    panel = SimpleNamespace(n=1, keys=np.array([[3, 4]]))
    w = {"obs": np.array([[True]]), "y": np.array([[0.0]]), "fc": {"m": np.array([[2.0]])}}
    assert backtest_accuracy_by(panel, [w], "m")["store"]["3"] == {"wape": None, "error": 2.0, "actual": 0.0}
    assert backtest_accuracy_by(panel, [], "m") == {"store": {}, "dept": {}, "windows": 0, "weeks": 0}
