"""A grid written to its file and read back (forecasting/ml/periodic/grid_file.py) gives the model the same
features, its attributes and covariates in the same order, and holds no pickle."""
import numpy as np
import pandas as pd

from forecasting.ml.periodic.features import feature_names, origin_rows
from forecasting.ml.periodic.grid import build_grid
from forecasting.ml.periodic.grid_file import load_grid, save_grid
from forecasting.ml.periodic.seasons import calendar, seasons_of


def test_a_grid_read_back_gives_the_same_features(tmp_path):
    dates = pd.date_range("2022-01-01", periods=500, freq="D")
    rng = np.random.default_rng(0)
    history = pd.concat([pd.DataFrame({"location": loc, "item": item, "date": dates, "value": rng.random(500)})
                         for loc in ("S1", "S2") for item in ("A", "B")])
    grid = build_grid(history, freq="D", future=14,
                      locations=pd.DataFrame({"location": ["S1", "S2"], "region": ["N", "S"]}),
                      covariates=pd.DataFrame({"date": dates, "price": 1.0, "oil": 2.0}),
                      kinds={"price": "known", "oil": "past"},
                      events=pd.DataFrame({"location": ["S1"], "date": [dates[100]]}))
    path = tmp_path / "grid.npz"
    save_grid(grid, path)
    again = load_grid(path)
    s = seasons_of("D")
    _, cal = calendar(grid.ext_dates, "D")
    assert feature_names(again, s) == feature_names(grid, s)
    assert np.allclose(origin_rows(again, s, again.T - 1, 14, cal)[0], origin_rows(grid, s, grid.T - 1, 14, cal)[0],
                       equal_nan=True)
    assert again.keys.equals(grid.keys) and again.assumed == grid.assumed
    np.load(path, allow_pickle=False).close()  # numbers and text only
