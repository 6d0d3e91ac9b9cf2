"""Automatic rollback check: a newly promoted champion's live accuracy on its
first realized weeks against the previous champion's forecasts of the SAME
weeks and rows.

``live_comparison(champion, previous, actuals)``:

* ``champion`` / ``previous``: store, dept, date, forecast (stored rows of the
  new champion's run and of the previous champion's last run made before the
  promotion, already cut to the weeks to compare);
* ``actuals``: store, dept, date, sales, is_holiday.

Rows compared: the (series, week) both runs forecast and that have a finite
actual. Figures: each side's WMAE (holiday weeks weigh 5), MAE and bias on
those rows, their count and weeks. ``None`` when no row is comparable.

``rollback_decision`` (numbers only): roll back when the champion's WMAE is
worse than the previous champion's by more than ``margin`` (a share), once
``weeks`` reached ``needed_weeks``; before that, wait.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..live_accuracy import point_figures

KEYS = ["store", "dept", "date"]
EPS = 1e-12


def _cut(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame[cols].copy()
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    return out


def live_comparison(champion: pd.DataFrame, previous: pd.DataFrame, actuals: pd.DataFrame) -> dict | None:
    rows = (_cut(champion, KEYS + ["forecast"])
            .merge(_cut(previous, KEYS + ["forecast"]), on=KEYS, suffixes=("", "_previous"))
            .merge(_cut(actuals, KEYS + ["sales", "is_holiday"]), on=KEYS))
    rows = rows[np.isfinite(rows["sales"].to_numpy(float))]
    if not len(rows):
        return None
    y, hol = rows["sales"].to_numpy(float), rows["is_holiday"].astype(bool).to_numpy()
    ours = point_figures(y, rows["forecast"].to_numpy(float), hol)
    theirs = point_figures(y, rows["forecast_previous"].to_numpy(float), hol)
    return {"rows": int(len(rows)), "weeks": int(rows["date"].nunique()),
            "first_week": rows["date"].min().date(), "last_week": rows["date"].max().date(),
            "wmae": ours["wmae"], "mae": ours["mae"], "bias": ours["bias"],
            "previous_wmae": theirs["wmae"], "previous_mae": theirs["mae"], "previous_bias": theirs["bias"]}


@dataclass(frozen=True)
class RollbackDecision:
    decided: bool  # False: not enough realized weeks yet, ask again after the next upload
    rollback: bool
    note: str
    figures: dict = field(default_factory=dict)


def rollback_decision(*, wmae: float | None, previous_wmae: float | None, weeks: int, needed_weeks: int,
                      margin: float, champion_number: int | None = None,
                      previous_number: int | None = None, period: str = "week") -> RollbackDecision:
    """Roll back when ``wmae`` > ``previous_wmae`` × (1 + margin), once the
    live weeks compared reach ``needed_weeks`` (at least 1); both count periods of the workspace's
    frequency (``period``: their word)."""
    needed = max(1, int(needed_weeks))
    figures = {"wmae": wmae, "previous_wmae": previous_wmae, "weeks": weeks, "needed_weeks": needed,
               "margin": margin, "champion": champion_number, "previous": previous_number}
    champ = f"v{champion_number}" if champion_number is not None else "the champion"
    prev = f"v{previous_number}" if previous_number is not None else "the previous champion"
    if wmae is None or previous_wmae is None or weeks < needed:
        return RollbackDecision(False, False, f"{weeks} of {needed} live {period}(s) realized: waiting", figures)
    if previous_wmae > 0:
        worse = (wmae - previous_wmae) / previous_wmae
        rollback, change = bool(worse > margin + EPS), f"{worse:+.1%}"
    else:  # the previous champion was exact on those rows: any error is worse (no finite share: JSON-safe None)
        worse, rollback, change = None, bool(wmae > 0), "previous exact"
    figures.update(worse_by=None if worse is None else float(worse), rollback=rollback)
    verdict = "worse than" if rollback else "not worse than"
    note = (f"live WMAE of {champ} {wmae:,.1f} vs {prev} {previous_wmae:,.1f} on the same {weeks} {period}(s): "
            f"{change} ({verdict} {prev} by more than {margin:.0%})")
    return RollbackDecision(True, rollback, note, figures)
