import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.forecasting.ml.synth import REPO, make_data

ML_DIR = Path(REPO) / "forecasting" / "ml"


def test_no_django_and_lazy_heavy_imports():
    for f in ML_DIR.rglob("*.py"):
        src = f.read_text()
        assert "import django" not in src and "from django" not in src, f
    code = ("import sys; import forecasting.ml, forecasting.ml.pipeline; "
            "bad=[m for m in sys.modules if m.split('.')[0] in ('lightgbm','statsforecast','django')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    env = dict(os.environ, PYTHONPATH=REPO)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr


def test_config_validation():
    from forecasting.ml.pipeline import TrainConfig
    TrainConfig(horizon=52)
    with pytest.raises(ValueError):
        TrainConfig(horizon=0)
    with pytest.raises(ValueError):
        TrainConfig(horizon=53)


def test_train_result_shape(ml_trained, ml_data):
    res, calls, cfg = ml_trained
    sales = ml_data[0]
    assert res.chosen in ("lightgbm", "mstl", "seasonal_svd", "ensemble")
    assert res.chosen in res.reason and "WMAE" in res.reason
    # json-serialisable outputs
    json.dumps(res.params), json.dumps(res.metrics), json.dumps(res.backtest), json.dumps(res.importance)
    json.dumps(res.timings)
    for k in ("lightgbm", "mstl", "seasonal_svd", "ensemble", "seasonal_naive", "last_value"):
        m = res.metrics[k]
        for key in ("wmae", "mae", "rmse", "wape", "holiday", "non_holiday"):
            assert key in m
    assert 0 <= res.metrics["coverage80"] <= 1 and 0 <= res.metrics["coverage95"] <= 1
    assert len(res.backtest) == cfg.backtest_windows
    for b in res.backtest:
        pd.Timestamp(b["origin"])
        assert "seasonal_naive" in b and "ensemble" in b and b["ensemble"]["wmae"] is not None
    imp = res.importance
    assert imp and all(imp[i]["gain"] >= imp[i + 1]["gain"] for i in range(len(imp) - 1))
    # forecast: every live series (a sale in the last 52 weeks), horizon weeks after the last date
    last = sales.date.max()
    recent = sales[(sales.date > last - pd.Timedelta(weeks=52)) & (sales.sales > 0)]
    live = set(map(tuple, recent[["store", "dept"]].drop_duplicates().to_numpy()))
    fc = res.forecast
    assert list(fc.columns) == ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled",
                                "status"]
    assert len(fc) == len(live) * cfg.horizon
    assert set(map(tuple, fc[["store", "dept"]].drop_duplicates().to_numpy())) == live
    exp_dates = pd.date_range(last + pd.Timedelta(weeks=1), periods=cfg.horizon, freq="7D")
    assert sorted(fc.date.unique()) == list(exp_dates)
    assert np.isfinite(fc[["forecast", "lo80", "hi80", "lo95", "hi95"]].to_numpy()).all()
    assert (fc.lo95 <= fc.lo80).all() and (fc.lo80 <= fc.forecast).all()
    assert (fc.forecast <= fc.hi80).all() and (fc.hi80 <= fc.hi95).all()
    # the new series (store 3 dept 4, 20 weeks of data) is pooled, others are modelled
    st = fc.groupby(["store", "dept"]).status.first()
    assert st.loc[(3, 4)] == "pooled" and (st == "pooled").sum() == 1
    assert (fc.pooled == (fc.status == "pooled")).all()
    # progress: fractions in [0, 1], non-decreasing, the documented stage names
    fr = [c[0] for c in calls]
    assert all(0 <= f <= 1 for f in fr) and fr == sorted(fr)
    msgs = [c[1] for c in calls]
    assert msgs[0] == "features" and "final fit" in msgs and "forecasting" in msgs and "saving" in msgs
    assert any(m.startswith("backtest 1/") for m in msgs)
    assert set(res.timings) >= {"features", "backtest", "final_fit"}


def test_accuracy_beats_seasonal_naive(ml_trained):
    res, _, _ = ml_trained
    assert res.metrics[res.chosen]["wmae"] < res.metrics["seasonal_naive"]["wmae"]
    assert res.metrics[res.chosen]["wmae"] < res.metrics["last_value"]["wmae"]


def test_too_short_history_is_an_error():
    from forecasting.ml.pipeline import TrainConfig, train
    sales, _, _ = make_data(n_stores=2, n_depts=2, weeks=10)
    with pytest.raises(ValueError, match="not enough history"):
        train(sales, None, None, TrainConfig(horizon=13, backtest_windows=2, num_threads=1))


def test_works_without_features_and_stores():
    from forecasting.ml.pipeline import TrainConfig, train
    sales, _, _ = make_data(n_stores=3, n_depts=3, weeks=80, seed=1)
    res = train(sales, None, None, TrainConfig(horizon=4, backtest_windows=2, num_threads=1, num_rounds=10,
                                               use_mstl=False))
    assert "mstl" not in res.metrics and "mstl" not in res.artifact.meta["candidates"]
    assert len(res.forecast) == sales.groupby(["store", "dept"]).ngroups * 4
    res2 = train(sales, pd.DataFrame(), pd.DataFrame(), TrainConfig(horizon=4, backtest_windows=2, num_threads=1,
                                                                     num_rounds=10, use_mstl=False))
    assert np.allclose(res.forecast.forecast, res2.forecast.forecast)


def test_artifact_roundtrip_and_predict(ml_trained, tmp_path, ml_data):
    from forecasting.ml.pipeline import load_artifact, predict_series, save_artifact
    res, _, cfg = ml_trained
    path = tmp_path / "sub" / "model.zip"
    sha = save_artifact(res.artifact, path)
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.name for p in path.parent.iterdir()] == ["model.zip"]  # no temp file left
    art = load_artifact(path)
    fc = res.forecast
    row = fc[(fc.store == 1) & (fc.dept == 1)]
    out = predict_series(art, 1, 1, cfg.horizon)
    assert set(out) == {"points", "drivers", "pooled", "status", "origin"}
    assert len(out["points"]) == cfg.horizon and out["pooled"] is False and out["status"] == "modelled"
    assert out["origin"] == ml_data[0].date.max().date().isoformat()
    assert np.allclose([p["forecast"] for p in out["points"]], row.forecast)
    assert np.allclose([p["lo80"] for p in out["points"]], row.lo80)
    assert [p["date"] for p in out["points"]] == [d.date().isoformat() for d in row.date]
    assert out["drivers"] and {"feature", "contribution"} <= set(out["drivers"][0])
    json.dumps(out)
    # the same history given explicitly reproduces the stored forecast
    sales = ml_data[0]
    hist = sales[(sales.store == 1) & (sales.dept == 1)][["date", "sales"]]
    out2 = predict_series(art, 1, 1, 3, history=hist)
    assert np.allclose([p["forecast"] for p in out2["points"]], row.forecast[:3], rtol=1e-6)
    # a different history changes it
    out3 = predict_series(art, 1, 1, 3, history=hist.assign(sales=hist.sales * 2))
    assert not np.allclose([p["forecast"] for p in out3["points"]], row.forecast[:3])
    # pooled series, unknown series, bad horizon
    assert predict_series(art, 3, 4, 2)["pooled"] is True
    with pytest.raises(KeyError):
        predict_series(art, 99, 1, 2)
    new = predict_series(art, 99, 1, 2, history=hist.tail(10))
    assert new["pooled"] is True and len(new["points"]) == 2
    with pytest.raises(ValueError):
        predict_series(art, 1, 1, 53)
    # beyond the trained horizon: recomputed, first steps unchanged, wider intervals later
    long = predict_series(art, 1, 1, cfg.horizon + 4)
    assert len(long["points"]) == cfg.horizon + 4
    assert np.allclose([p["forecast"] for p in long["points"][: cfg.horizon]], row.forecast, rtol=1e-6)
    # widths per unit of target-week turbulence grow past the calibrated horizon
    turb = art.arrays["turb"]
    w = [(p["hi80"] - p["forecast"]) / turb[h] for h, p in enumerate(long["points"])]
    assert w[-1] > w[cfg.horizon - 1] and np.isfinite([p["forecast"] for p in long["points"]]).all()


@pytest.mark.walmart
def test_real_data_windows():
    from tests.conftest import WALMART_DIR as data
    sys.path.insert(0, str(Path(REPO) / "bench"))
    from _data import load_walmart

    from forecasting.ml.backtest import window_origins
    from forecasting.ml.panel import build_panel
    sales, features, stores = load_walmart(data)
    p = build_panel(sales, features, stores)
    assert p.Y.shape == (3331, 130) or p.Y.shape[1] == 130
    assert [p.dates[o].date().isoformat() for o in window_origins(p.T, 13, 4)] == [
        "2011-07-29", "2011-10-28", "2012-01-27", "2012-04-27"]
    assert int(np.sum(~np.isnan(p.Y))) == len(sales)
    assert p.hol[: p.T].sum() == 9 and (p.stype >= 0).all()
