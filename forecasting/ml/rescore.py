"""The champion scored on the challenger's backtest windows (issue 8 point 4:
"on the same data version and the same backtest").

When the champion was trained on older data its backtest is not comparable
with the challenger's. Scoring the champion's stored model on the
challenger's windows is sound only where it never saw the weeks scored: a
window whose origin is at or after the champion's own origin (the last week
it was trained on). There the champion forecasts exactly as it would have in
production -- a refresh from the window's origin (``refresh_forecast``: its
stored, fitted state; no refit, so no look-ahead) -- and both forecasts are
scored on the SAME rows: the (series, week) of the challenger's window that
have an actual and that the champion forecast (its live series). Earlier
windows would score the champion on weeks it was fitted on (in-sample): they
are left out, and when no window qualifies the answer is ``None`` (the caller
falls back to comparing each one's skill against seasonal naive).

``rescore_on_windows(champion, challenger, sales, features, stores)``:
``champion`` a ForecastArtifact, ``challenger`` a TrainResult (its raw window
arrays ``windows`` and its panel). Figures: WMAE of each (holiday weeks weigh
5) on those rows, the rows, weeks and window origins used.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .artifact import ForecastArtifact
from .metrics import HOLIDAY_WEIGHT, wmae
from .refresh import refresh_forecast

KEYS = ["store", "dept", "date"]


def _window_rows(panel, window: dict, chosen: str) -> pd.DataFrame:
    i, h = np.nonzero(window["obs"])
    o = window["o"]
    return pd.DataFrame({"store": panel.keys[i, 0], "dept": panel.keys[i, 1],
                         "date": pd.DatetimeIndex(panel.dates[o + 1 + h]), "y": window["y"][i, h],
                         "hol": np.asarray(window["hol"])[i, h], "challenger": window["fc"][chosen][i, h]})


def rescore_on_windows(champion: ForecastArtifact, challenger, sales: pd.DataFrame,
                       features: pd.DataFrame | None = None, stores: pd.DataFrame | None = None, *,
                       num_threads: int = 1, events: pd.DataFrame | None = None,
                       own: tuple[list, dict] | None = None) -> dict | None:
    panel = challenger.artifact.panel
    start = pd.Timestamp(champion.meta["origin"])
    frames, used = [], []
    for window in challenger.windows:
        origin = panel.dates[window["o"]]
        if origin < start:
            continue  # the champion was fitted on these weeks
        fc = refresh_forecast(champion, sales, features, stores, origin=origin, num_threads=num_threads,
                              events=events, own=own).forecast
        fc = fc[KEYS + ["forecast"]].assign(date=lambda d: pd.to_datetime(d["date"]))
        rows = _window_rows(panel, window, challenger.chosen).merge(fc, on=KEYS)
        frames.append(rows[np.isfinite(rows["y"].to_numpy(float))])
        used.append(origin.date().isoformat())
    rows = pd.concat(frames) if frames else None
    if rows is None or not len(rows):
        return None
    hol = rows["hol"].astype(bool).to_numpy()
    weight = float(challenger.params["config"].get("holiday_weight", HOLIDAY_WEIGHT))  # the challenger's measure
    return {"windows": used, "rows": int(len(rows)), "weeks": int(rows["date"].nunique()),
            "champion_origin": start.date().isoformat(), "wmae": wmae(rows["y"], rows["challenger"], hol, weight),
            "champion_wmae": wmae(rows["y"], rows["forecast"], hol, weight)}
