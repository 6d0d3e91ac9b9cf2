"""A weekly workspace's own covariates (issue 17 item 3, issue 18 item 2) as features of the weekly engine,
beside Walmart's nine: a price, a promotion flag, a discount by series, location, item or calendar and week.

Each is ``known`` (planned ahead: its value at the target week, and that value relative to the series' own
normal, the mean over the 52 weeks before the origin: a price against the series' usual price) or ``past``
(its value at the origin). Values flow forward only (a week without one keeps the last); a known covariate
with no value uploaded for a future week is assumed to stay at its last value, and the weeks of the horizon so
assumed are counted (``assumed``) so the forecast can say so. A workspace without any (Walmart's) gets no columns, so its
features and forecasts are exactly what they were.

The input is what the selectors read (``forecasting/selectors/periodic.own_covariates``): one wide frame per
level, ``date`` [, ``location``] [, ``item``] (the catalogue's ids as text) and a column per name, with the
kinds ``{name: "known" | "past"}``."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

KINDS = ("known", "past")


@dataclass
class OwnCovariates:
    known: dict = field(default_factory=dict)  # name -> (n, T + F) per series, forward-filled
    past: dict = field(default_factory=dict)  # name -> (n, T + F)
    future_given: dict = field(default_factory=dict)  # known name -> (F,) future weeks with an uploaded value

    @property
    def kinds(self) -> dict:
        return {**{n: "known" for n in self.known}, **{n: "past" for n in self.past}}

    def assumed(self, horizon: int) -> dict:
        """Known name -> weeks of the horizon with no uploaded value (the last one is assumed to hold)."""
        return {n: int((~g[:horizon]).sum()) + max(0, horizon - len(g)) for n, g in self.future_given.items()}

    def names(self) -> list[str]:
        """The feature names, in the order ``columns`` gives them."""
        return [c for n in self.known for c in (n, f"{n}_rel")] + list(self.past)

    def columns(self, rows: np.ndarray, o: int, t: np.ndarray) -> list[np.ndarray]:
        """(len(rows), H) arrays of the series ``rows`` at origin ``o`` for target weeks ``t``."""
        out = []
        for arr in self.known.values():
            a = arr[rows]
            at = a[:, np.minimum(t, a.shape[1] - 1)]
            recent = a[:, max(0, o - 51): o + 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                count = (~np.isnan(recent)).sum(1)
                normal = np.where(count > 0, np.nansum(recent, 1) / np.maximum(count, 1), np.nan)
                out += [at, np.where(np.abs(normal)[:, None] > 0, at / normal[:, None], np.nan)]
        for arr in self.past.values():
            v = arr[rows, min(o, arr.shape[1] - 1)]
            out.append(np.broadcast_to(v[:, None], (len(rows), len(t))))
        return out


def week_index(dates: pd.Series, start: pd.Timestamp, weeks: int) -> np.ndarray:
    """The grid week (0 .. weeks - 1) holding each date, as the weekly panel snaps its rows; -1 outside."""
    days = (pd.to_datetime(dates).dt.normalize() - start).dt.days.to_numpy()
    idx = (days + 6) // 7
    return np.where((days > -7) & (idx < weeks), idx, -1)


def own_covariates(frames: list[pd.DataFrame] | None, kinds: dict | None, keys: np.ndarray,
                   start: pd.Timestamp, weeks: int, history: int) -> OwnCovariates | None:
    """Per-series arrays over the panel's ``weeks`` (history then future) for ``kinds``, in its order; a name
    no frame holds gives an empty (NaN) column, so a refresh keeps the trained model's features. ``keys``:
    the panel's (n, 2) store and dept ids; ``history``: its number of history weeks. None when no kinds."""
    if not kinds:
        return None
    own = OwnCovariates()
    n = len(keys)
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise ValueError(f"covariate {name!r}: kind is 'known' or 'past', not {kind!r}")
        arr = np.full((n, weeks), np.nan)
        for frame in frames or []:
            if name in frame.columns:
                _fill(arr, frame[["date", *[k for k in ("location", "item") if k in frame], name]].dropna(),
                      name, keys, start)
        given = ~np.isnan(arr)
        arr = pd.DataFrame(arr.T).ffill().to_numpy().T
        if kind == "known":
            own.future_given[name] = given[:, history:].any(0)
            own.known[name] = arr
        else:
            own.past[name] = arr
    return own


def _fill(arr: np.ndarray, frame: pd.DataFrame, name: str, keys: np.ndarray, start: pd.Timestamp) -> None:
    """Write one level's values (the mean of a week's) into the series they apply to."""
    t = week_index(frame["date"], start, arr.shape[1])
    frame = frame.assign(_t=t)[t >= 0]
    by = [k for k in ("location", "item") if k in frame]
    m = frame.groupby([*by, "_t"])[name].mean().reset_index()
    if not by:
        arr[:, m["_t"].to_numpy()] = m[name].to_numpy(float)[None, :]
        return
    cols = {"location": 0, "item": 1}
    series = pd.DataFrame({k: keys[:, cols[k]] for k in by})
    values = pd.DataFrame({k: pd.to_numeric(m[k], errors="coerce") for k in by}).assign(
        _t=m["_t"].to_numpy(), v=m[name].to_numpy(float)).dropna(subset=by)
    joined = series.reset_index().merge(values.astype({k: "int64" for k in by}), on=by)
    arr[joined["index"].to_numpy(), joined["_t"].to_numpy()] = joined["v"].to_numpy()
