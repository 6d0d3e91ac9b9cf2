"""Forecasting models: baselines, the seasonal-profile model, statsforecast MSTL
and the global LightGBM model.  lightgbm / statsforecast are imported lazily.

All functions work on the wide panel at a forecast origin ``o`` (index of the
last week of training data) and return an (n_series, H) array for the target
weeks o+1 .. o+H.  They only read columns <= o of the history.
"""
from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # comes with scikit-learn

SVD_RANK = 10
LEVEL_WEEKS = 13
LEVEL_DAMP = 0.75
STL_KWARGS = {"trend_jump": 5, "low_pass_jump": 5}


# ---------------------------------------------------------------- baselines
def seasonal_naive(Y0: np.ndarray, o: int, H: int) -> np.ndarray:
    """Same week 52 weeks earlier, 0 when absent."""
    out = np.zeros((Y0.shape[0], H))
    for h in range(H):
        t = o + 1 + h - 52
        if 0 <= t <= o:
            out[:, h] = Y0[:, t]
    return out


def last_value(Y: np.ndarray, o: int, H: int) -> np.ndarray:
    """Last observed value at or before the origin (0 when none)."""
    obs = ~np.isnan(Y[:, : o + 1])
    has = obs.any(1)
    last_idx = o - np.argmax(obs[:, ::-1], axis=1)
    v = np.where(has, Y[np.arange(Y.shape[0]), last_idx], 0.0)
    return np.repeat(np.nan_to_num(v)[:, None], H, axis=1)


# ---------------------------------------------------- seasonal profile (SVD)
def dept_groups(dept_idx: np.ndarray) -> list:
    order = np.argsort(dept_idx, kind="stable")
    bounds = np.flatnonzero(np.diff(dept_idx[order])) + 1
    return np.split(order, bounds)


def svd_smooth(Y0h: np.ndarray, groups: list, k: int = SVD_RANK):
    """Rank-k reconstruction of each department's (stores x weeks) matrix.

    Returns the smoothed matrix and, per department, the right singular vectors
    (k x weeks) so that a single series can later be projected on the same
    basis.  Departments with <= k stores are left unsmoothed (basis None).
    """
    S = Y0h.copy()
    bases = []
    with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: threads only cost
        _svd_groups(Y0h, S, groups, k, bases)
    return S, bases


def _svd_groups(Y0h, S, groups, k, bases):
    for ii in groups:
        if len(ii) <= k:
            bases.append(None)
            continue
        M = Y0h[ii]
        U, s, Vt = np.linalg.svd(M, full_matrices=False)
        R = (U[:, :k] * s[:k]) @ Vt[:k]
        R[np.abs(R) <= reconstruction_tolerance(s, M.shape)] = 0.0
        S[ii] = R
        bases.append(Vt[:k].copy())


def reconstruction_tolerance(s: np.ndarray, shape: tuple) -> float:
    """Round-off of a reconstruction from an SVD: the largest singular value x the larger dimension x the
    machine epsilon (numpy's ``matrix_rank`` tolerance). An entry within it is 0: a series without a sale
    yet (a row of zeros) or a week without a sale in any store (a column) is otherwise reconstructed as
    tiny noise whose sign depends on the machine's BLAS kernel (AVX-512 or not), and LightGBM bins a
    feature at 0 (base_n on either side of 0 moved its trees: Walmart's mean WMAE 1,471.0 or 1,472.4)."""
    return float(s[0]) * max(shape) * np.finfo(float).eps if len(s) else 0.0


def seasonal_profile(Y0h: np.ndarray, S: np.ndarray, o: int, H: int, cal_shift: np.ndarray,
                     level_weeks: int = LEVEL_WEEKS, damp: float = LEVEL_DAMP) -> np.ndarray:
    """Calendar-aligned seasonal naive on the SVD-smoothed history plus a damped
    level correction.

    For target week t the base is (1-s/7)*S[t-52] + (s/7)*S[t-53] where s is the
    number of days by which week t-52 is late against the calendar (1, or 2
    across a leap day): it re-aligns Christmas, whose weekday moves every year.
    The level correction is ``damp`` x (mean of the last ``level_weeks`` weeks
    minus the mean of the smoothed same weeks one year earlier).
    ``cal_shift`` is indexed by the extended grid.
    """
    n = Y0h.shape[0]
    out = np.empty((n, H))
    if o + 1 < 52 + 1:
        lvl = Y0h[:, max(0, o - level_weeks + 1): o + 1].mean(1)
    for h in range(H):
        t = o + 1 + h
        if t - 52 < 0:
            out[:, h] = lvl
            continue
        if t - 52 > o:  # horizon > 52: reuse the forecast of 52 weeks earlier
            out[:, h] = out[:, h - 52]
            continue
        b52 = S[:, t - 52]
        b53 = S[:, t - 53] if t - 53 >= 0 else b52
        f = cal_shift[t] / 7.0
        out[:, h] = (1 - f) * b52 + f * b53
    w = np.arange(max(0, o - level_weeks + 1), o + 1)
    w = w[w - 52 >= 0]
    if len(w) and o + 1 >= 53:
        adj = Y0h[:, w].mean(1) - S[:, w - 52].mean(1)
        out += damp * adj[:, None]
    return out


def pooled_one(y: np.ndarray, D: np.ndarray, o: int, H: int, cal_shift: np.ndarray) -> np.ndarray:
    """Department-level pooled forecast for a short series: its recent level
    (mean of its last 8 observed weeks) times the department's seasonal index
    (department total over all stores in the target week one year earlier,
    relative to the same recent weeks one year earlier)."""
    out = np.zeros(H)
    obs = np.flatnonzero(~np.isnan(y[: o + 1]))
    if len(obs) == 0:
        return out
    recent = obs[-8:]
    level = y[recent].mean()
    ref = recent - 52
    denom = D[ref].mean() if ref.min() >= 0 else 0.0
    for h in range(H):
        t = o + 1 + h
        ratio = 1.0
        if denom > 0 and t - 53 >= 0 and t - 52 <= o:
            f = cal_shift[t] / 7.0
            num = (1 - f) * D[t - 52] + f * D[t - 53]
            if num > 0:
                ratio = float(np.clip(num / denom, 0.2, 5.0))
        out[h] = level * ratio
    return out


def pooled_forecast(Y0h: np.ndarray, Y: np.ndarray, o: int, H: int, groups: list,
                    rows: np.ndarray, cal_shift: np.ndarray, dept_of_row: np.ndarray) -> np.ndarray:
    out = np.zeros((len(rows), H))
    for r_i, i in enumerate(rows):
        D = Y0h[groups[dept_of_row[r_i]], : o + 1].sum(0)
        out[r_i] = pooled_one(Y[i], D, o, H, cal_shift)
    return out


# ---------------------------------------------------------------- MSTL
def safe_n_jobs(n: int) -> int:
    """statsforecast parallelises with processes; a daemonic process (a Celery
    prefork child) may not have children, so fall back to 1 there."""
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(int(n), os.cpu_count() or 1))


def _mstl_model(L: int, season_length: int):
    from statsforecast.models import MSTL, AutoETS

    if L <= season_length + 4:
        # less than a season (+ a few weeks) of history: no yearly component
        return AutoETS(model="ANN")
    # loess evaluated every 5th point and interpolated: 2.5x faster, forecasts
    # differ by ~0.01% of the series level
    return MSTL(season_length=season_length, trend_forecaster=AutoETS(model="ANN"), stl_kwargs=STL_KWARGS)


def mstl_forecast(Y0h: np.ndarray, H: int, n_jobs: int = 1, season_length: int = 52) -> np.ndarray:
    """statsforecast MSTL (season 52, simple exponential smoothing of the trend)
    per series on the zero-filled history."""
    from statsforecast import StatsForecast

    n, L = Y0h.shape
    if n == 0:
        return np.zeros((0, H))
    model = _mstl_model(L, season_length)
    df = pd.DataFrame({
        "unique_id": np.repeat(np.arange(n), L),
        "ds": np.tile(np.arange(L), n),
        "y": Y0h.ravel(),
    })
    sf = StatsForecast(models=[model], freq=1, n_jobs=safe_n_jobs(n_jobs))
    f = sf.forecast(df=df, h=H)
    col = [c for c in f.columns if c not in ("unique_id", "ds")][0]
    f = f.sort_values(["unique_id", "ds"])
    return f[col].to_numpy(float).reshape(n, H)


def _trend_alpha(model) -> float:
    """The smoothing weight of the fitted model's level (MSTL's trend forecaster, or AutoETS itself)."""
    ets = getattr(model, "trend_forecaster", model)
    return float(ets.model_["par"][0])


def mstl_fit(Y0h: np.ndarray, n_jobs: int = 1, season_length: int = 52, steps: int = 52
             ) -> tuple[np.ndarray, np.ndarray]:
    """Per series (rows of the zero-filled history): the smoothing weight of MSTL's level and its forecast
    of the next ``steps`` periods, the state a refresh moves forward (``mstl_update``)."""
    from statsforecast import StatsForecast

    n, L = Y0h.shape
    if n == 0:
        return np.zeros(0), np.zeros((0, steps))
    model = _mstl_model(L, season_length)
    if n == 1:
        fitted = model.fit(y=np.asarray(Y0h[0], float))
        return np.array([_trend_alpha(fitted)]), np.asarray(fitted.predict(h=steps)["mean"], float)[None, :]
    df = pd.DataFrame({"unique_id": np.repeat(np.arange(n), L), "ds": np.tile(np.arange(L), n), "y": Y0h.ravel()})
    sf = StatsForecast(models=[model], freq=1, n_jobs=safe_n_jobs(n_jobs))
    sf.fit(df=df)
    f = sf.predict(h=steps)
    col = [c for c in f.columns if c not in ("unique_id", "ds")][0]
    f = f.sort_values(["unique_id", "ds"])[col].to_numpy(float).reshape(n, steps)
    alpha = np.array([_trend_alpha(m) for m in sf.fitted_[:, 0]])
    return alpha, f


def mstl_update(alpha: np.ndarray, f: np.ndarray, new: np.ndarray) -> np.ndarray:
    """MSTL's state moved over the ``new`` periods (rows x k, zero-filled) without refitting: its level
    takes each period's surprise (actual minus forecast) with its smoothing weight, its seasonal part is
    the one it had (the forecast beyond a season repeats it, as MSTL's does). Returns the forecast of the
    next ``f.shape[1]`` periods from the newest one."""
    m, season = f.shape
    k = new.shape[1]
    d = np.zeros(m)
    for j in range(k):
        d = d + alpha * (new[:, j] - f[:, j % season] - d)
    return f[:, (k + np.arange(season)) % season] + d[:, None]


def mstl_single(y: np.ndarray, H: int, season_length: int = 52) -> np.ndarray:
    model = _mstl_model(len(y), season_length)
    return np.asarray(model.forecast(y=np.asarray(y, float), h=H)["mean"], float)


# ---------------------------------------------------------------- LightGBM
def lgb_params(num_threads: int, seed: int) -> dict:
    return {
        "objective": "l1",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 200,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "max_bin": 127,
        "num_threads": int(num_threads),
        "seed": int(seed),
        "deterministic": True,
        "force_col_wise": True,
        "verbose": -1,
    }


def import_lightgbm():
    """Import lightgbm with a passive OpenMP wait policy unless the caller set one.

    LightGBM's OpenMP threads spin while waiting by default; on a machine whose
    cores are shared (2-core boxes, several Celery workers) a 2-thread fit was
    measured ~9x slower than a 1-thread fit (54 s vs 6 s) because of it; with
    OMP_WAIT_POLICY=PASSIVE it is as fast as the best case.  libgomp reads the
    variable when it is first loaded, so it must be set before the import.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import lightgbm

    return lightgbm


def lgb_fit(X: np.ndarray, r: np.ndarray, w: np.ndarray, feature_names: list, params: dict,
            num_rounds: int, categorical: list | None = None):
    lgb = import_lightgbm()
    ds = lgb.Dataset(X, label=r, weight=w, feature_name=list(feature_names),
                     categorical_feature=categorical or "auto", free_raw_data=True)
    return lgb.train(params, ds, num_boost_round=num_rounds)
