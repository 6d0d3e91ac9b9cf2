"""Shadow period: a challenger that passed the backtest rule is scored live
beside the champion for N realized weeks before it is promoted or rejected.

``shadow_comparison(shadow, champion, actuals)``: both runs' stored rows
(store, dept, date, forecast), already cut to the shadow's first N forecast
weeks, and the actuals of those weeks (store, dept, date, sales, is_holiday).
Rows compared: the (series, week) both runs forecast that have a finite
actual -- the same rows for both sides. Figures: each side's WMAE (holiday
weeks weigh 5), MAE and bias, the rows and weeks. ``None`` when no row is
comparable.

``shadow_decision`` (numbers only): wait until ``weeks`` realized weeks reach
``needed_weeks``; then promote when the shadow's live WMAE beats the
champion's on those rows by at least ``margin`` (a share, as the backtest
rule), else reject. No comparable row once the weeks are realized: reject
(it can never be compared). ``waiting_for`` (e.g. the champion's refresh
that will forecast from the shadow's origin): the weeks are realized but the
decision waits for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .rollback import EPS, live_comparison


def shadow_comparison(shadow: pd.DataFrame, champion: pd.DataFrame, actuals: pd.DataFrame) -> dict | None:
    live = live_comparison(shadow, champion, actuals)
    if live is None:
        return None
    return {**{k: v for k, v in live.items() if not k.startswith("previous_")},
            **{k.replace("previous_", "champion_"): v for k, v in live.items() if k.startswith("previous_")}}


@dataclass(frozen=True)
class ShadowDecision:
    decided: bool  # False: fewer than the needed weeks are realized; ask again after the next upload
    promote: bool
    note: str
    figures: dict = field(default_factory=dict)


def shadow_decision(*, wmae: float | None, champion_wmae: float | None, weeks: int, needed_weeks: int,
                    margin: float, rows: int | None = None, shadow_number: int | None = None,
                    champion_number: int | None = None, waiting_for: str | None = None,
                    period: str = "week") -> ShadowDecision:
    """``weeks`` and ``needed_weeks`` count periods of the workspace's frequency (``period``: their word)."""
    needed = max(1, int(needed_weeks))
    figures = {"wmae": wmae, "champion_wmae": champion_wmae, "weeks": int(weeks), "needed_weeks": needed,
               "rows": rows, "margin": margin, "shadow": shadow_number, "champion": champion_number}
    ours = f"v{shadow_number}" if shadow_number is not None else "the shadow"
    theirs = f"v{champion_number}" if champion_number is not None else "the champion"
    if weeks < needed:
        return ShadowDecision(False, False, f"{weeks} of {needed} shadow {period}(s) realized: waiting", figures)
    if waiting_for:
        return ShadowDecision(False, False, f"{weeks} of {needed} shadow {period}(s) realized: waiting for {waiting_for}",
                              figures)
    if wmae is None or champion_wmae is None:
        figures.update(improvement=None, promote=False)
        return ShadowDecision(True, False, f"{ours} cannot be compared live: no row of its {needed} shadow {period}(s) "
                                           f"was forecast by champion {theirs} and realized", figures)
    if champion_wmae > 0:
        improvement = (champion_wmae - wmae) / champion_wmae
        promote, change = bool(improvement >= margin - EPS), f"{improvement:+.1%}"
    else:  # the champion was exact on those rows: it cannot be beaten
        improvement, promote, change = None, False, "champion exact"
    figures.update(improvement=None if improvement is None else float(improvement), promote=promote)
    on = f"the same {weeks} {period}(s)" + (f" and {rows:,} rows" if rows is not None else "")
    verdict = "beats" if promote else "does not beat"
    note = (f"live WMAE of {ours} {wmae:,.1f} vs champion {theirs} {champion_wmae:,.1f} on {on}: {change} "
            f"({verdict} it by at least {margin:.0%})")
    return ShadowDecision(True, promote, note, figures)
