"""Intermittent demand (issue 18 item 4): each series' demand class, and a route for the classes whose
demand comes in occasional bursts, chosen on the backtest.

* Class (Syntetos, Boylan and Croston, 2005), over the series' last ``WINDOW`` observed periods up to the
  origin, demand = max(sales, 0): ADI, the average interval between periods with demand (periods /
  periods with demand), and CV², the squared coefficient of variation of the non-zero demands.
  ``smooth`` (ADI < 1.32, CV² < 0.49), ``erratic`` (ADI < 1.32), ``intermittent`` (CV² < 0.49), ``lumpy``;
  ``none`` when the window has fewer than 2 periods with demand (nothing to size: the floor and the
  statuses decide).
* Route: for ``intermittent`` and ``lumpy`` series, statsforecast's Croston SBA (the Syntetos-Boylan
  approximation: Croston's size / interval ratio times 1 - alpha/2) against the chosen model on the
  backtest, per class, by the workspace's error measure (holiday periods weighted) over that class's
  realized rows of every window. A class whose Croston error is lower is routed: its series are forecast
  by Croston SBA at training, at each refresh and on demand. Pure numpy and statsforecast."""
from __future__ import annotations

import numpy as np

CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "none")
ROUTABLE = ("intermittent", "lumpy")
ADI_CUT, CV2_CUT = 1.32, 0.49
WINDOW = 104
METHOD = "croston_sba"
LABEL = "Croston SBA (statsforecast), for series whose demand comes in bursts"


def demand_classes(Y: np.ndarray, o: int, window: int = WINDOW) -> np.ndarray:
    """(n,) class of each row of ``Y`` (NaN = no row) from its last ``window`` periods up to ``o``."""
    W = Y[:, max(0, o + 1 - window): o + 1]
    obs = ~np.isnan(W)
    d = np.where(obs, np.maximum(np.nan_to_num(W), 0.0), 0.0)
    periods = obs.sum(1)
    nz = (d > 0) & obs
    k = nz.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(k > 0, periods / np.maximum(k, 1), np.inf)
        mean = np.where(k > 0, (d * nz).sum(1) / np.maximum(k, 1), np.nan)
        var = np.where(k > 1, ((d - mean[:, None]) ** 2 * nz).sum(1) / np.maximum(k - 1, 1), np.nan)
        cv2 = var / mean ** 2
    out = np.full(len(Y), "none", dtype=object)
    ok = k >= 2
    lumpy_ish = cv2 >= CV2_CUT
    out[ok & (adi < ADI_CUT) & ~lumpy_ish] = "smooth"
    out[ok & (adi < ADI_CUT) & lumpy_ish] = "erratic"
    out[ok & (adi >= ADI_CUT) & ~lumpy_ish] = "intermittent"
    out[ok & (adi >= ADI_CUT) & lumpy_ish] = "lumpy"
    return out.astype(str)


def croston_sba(Y: np.ndarray, o: int, H: int, rows: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """(len(rows), H) Croston SBA forecasts from each row's last ``window`` periods up to ``o`` (``Y``: NaN
    where a series has no row; those periods are left out, not taken as zero demand)."""
    from statsforecast.models import CrostonSBA  # heavy: loaded when first needed (ruff TID253)

    out = np.zeros((len(rows), H))
    for j, r in enumerate(rows):
        y = Y[r, max(0, o + 1 - window): o + 1]
        y = np.maximum(y[~np.isnan(y)], 0.0)
        if (y > 0).sum() >= 1:
            out[j] = CrostonSBA().forecast(y=y.astype(float), h=H)["mean"]
    return out


def class_counts(classes: np.ndarray, mask: np.ndarray | None = None) -> dict:
    """{class: series} (of the rows in ``mask``)."""
    picked = classes if mask is None else classes[mask]
    return {c: int((picked == c).sum()) for c in CLASSES if (picked == c).any()}


def routed_mask(params: dict, Y: np.ndarray, o: int) -> np.ndarray:
    """(n,) True for the rows of ``Y`` a model (its ``params``) forecasts by Croston SBA at origin ``o``."""
    routed = (params.get("intermittent") or {}).get("routed") or []
    return np.isin(demand_classes(Y, o), routed) if routed else np.zeros(len(Y), bool)


def routable_rows(classes: np.ndarray, routed) -> np.ndarray:
    return np.flatnonzero(np.isin(classes, list(routed))) if routed else np.array([], dtype=int)


def choose(windows: list, chosen: str, holiday_weight: float) -> dict:
    """Per routable class, the chosen model's and Croston SBA's holiday-weighted absolute error over the
    class's realized backtest rows; ``routed``: the classes where Croston's is lower. Each window dict:
    ``fc`` (with ``chosen``), ``y``, ``obs``, ``hol``, ``classes`` (n,) and ``croston`` ((n, hz), NaN
    outside the routable rows)."""
    figures, routed = {}, []
    for cls in ROUTABLE:
        err_model = err_croston = weight = 0.0
        series = 0
        for w in windows:
            rows = w["classes"] == cls
            if not rows.any():
                continue
            m = w["obs"] & rows[:, None]
            wt = np.where(w["hol"], holiday_weight, 1.0)[m]
            y = w["y"][m]
            err_model += float((wt * np.abs(w["fc"][chosen][m] - y)).sum())
            err_croston += float((wt * np.abs(w["croston"][m] - y)).sum())
            weight += float(wt.sum())
            series = max(series, int(rows.sum()))
        if weight == 0:
            continue
        figures[cls] = {"series": series, "model_wmae": err_model / weight, "croston_wmae": err_croston / weight}
        if err_croston < err_model:
            routed.append(cls)
    return {"method": METHOD, "routed": routed, "by_class": figures}


def apply(f: np.ndarray, Y: np.ndarray, o: int, H: int, classes: np.ndarray, routed, keep=None) -> np.ndarray:
    """``f`` with the rows of the routed classes forecast by Croston SBA (``keep``: rows left as they
    are, e.g. pooled or inactive ones)."""
    rows = routable_rows(classes, routed)
    if keep is not None and len(rows):
        rows = rows[~np.isin(rows, np.flatnonzero(keep))]
    if not len(rows):
        return f
    out = np.array(f, float, copy=True)
    out[rows] = croston_sba(Y, o, H, rows)[:, : out.shape[1]]
    return out
