"""The backtest error by location and item of the engine for any planning frequency: absolute errors of the
realized periods over their actuals, summed per key over every window; a closed period (NaN) counts nowhere."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml.periodic.accuracy_by import backtest_wape_by

KEYS = pd.DataFrame({"location": ["1", "1", "2"], "item": ["7", "8", "7"]})


def _window(y, f):
    return {"y": np.array(y, float), "f": {"lightgbm": np.array(f, float)}, "keys": KEYS}


def test_errors_over_actuals_per_location_and_item_across_windows():
    wins = [_window([[10, 10], [20, np.nan], [5, 5]], [[12, 9], [20, 99], [5, 10]]),
            _window([[10, 10], [20, 20], [5, 5]], [[10, 10], [22, 18], [5, 5]])]
    got = backtest_wape_by(wins, "lightgbm")
    # location 1: errors 2+1 + 0 + 0+0 + 2+2 = 7 over 10+10+20+10+10+20+20 = 100 (the closed day counts nowhere)
    assert got["store"]["1"]["wape"] == pytest.approx(7 / 100) and got["store"]["2"]["wape"] == pytest.approx(5 / 20)
    assert got["dept"]["7"]["wape"] == pytest.approx((2 + 1 + 5) / (40 + 20)) and got["windows"] == 2
    assert backtest_wape_by([], "lightgbm")["store"] == {}
