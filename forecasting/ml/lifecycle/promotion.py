"""The champion/challenger rule on figures alone (no database): whether a
challenger replaces the champion. The rule is explained in
forecasting/services/promotion.py, which applies it to stored versions."""
from __future__ import annotations

from dataclasses import dataclass, field

EPS = 1e-12  # an improvement exactly at the margin counts as meeting it (float rounding)


@dataclass(frozen=True)
class Decision:
    promote: bool
    note: str
    figures: dict = field(default_factory=dict)


def promotion_decision(*, wmae: float | None, seasonal_naive_wmae: float | None, champion_wmae: float | None = None,
                       champion_seasonal_naive_wmae: float | None = None, champion_number: int | None = None,
                       same_backtest: bool = True, margin: float = 0.02, rescored: dict | None = None,
                       horizon: int | None = None, champion_horizon: int | None = None) -> Decision:
    """The champion/challenger rule on figures alone (no database).
    A challenger whose horizon is shorter than the champion's never replaces it automatically (the pages
    would silently sum fewer weeks): it is rejected, and an admin may still promote it by hand.
    ``rescored``: both scored on the same rows of the challenger's backtest
    windows that the champion never saw (forecasting/ml/rescore.py: ``wmae``,
    ``champion_wmae``, ``rows``, ``windows``), used when the backtests differ."""
    figures = {"wmae": wmae, "seasonal_naive_wmae": seasonal_naive_wmae, "margin": margin,
               "champion": champion_number, "champion_wmae": champion_wmae}
    if wmae is None:
        return Decision(False, "no backtest WMAE", {**figures, "basis": "none"})
    beats_naive = seasonal_naive_wmae is not None and wmae < seasonal_naive_wmae
    figures["beats_seasonal_naive"] = beats_naive
    naive_text = (f"seasonal naive {seasonal_naive_wmae:,.1f}" if seasonal_naive_wmae is not None
                  else "no seasonal-naive WMAE")
    if (champion_number is not None and horizon is not None and champion_horizon is not None
            and horizon < champion_horizon):
        figures.update(basis="shorter_horizon", horizon=horizon, champion_horizon=champion_horizon)
        return Decision(False, f"horizon {horizon} periods is shorter than champion v{champion_number}'s "
                               f"{champion_horizon}: not promoted automatically (an admin may promote it by hand)",
                        figures)
    if champion_number is None:
        figures["basis"] = "first_version"
        verdict = "beats" if beats_naive else "does not beat"
        return Decision(beats_naive, f"first version: WMAE {wmae:,.1f} {verdict} {naive_text}", figures)
    if same_backtest and champion_wmae:
        figures["basis"] = "same_backtest"
        ours, theirs, unit = wmae, champion_wmae, "WMAE"
    elif rescored and rescored.get("champion_wmae") and rescored.get("wmae") is not None:
        figures.update(basis="champion_on_challenger_windows", rescored=rescored)
        ours, theirs = rescored["wmae"], rescored["champion_wmae"]
        unit = (f"WMAE on the {rescored['rows']:,} rows of the {len(rescored['windows'])} backtest window(s) from "
                f"{rescored['windows'][0]} the champion never saw")
    else:
        figures["basis"] = "skill_vs_seasonal_naive"
        ours = wmae / seasonal_naive_wmae if seasonal_naive_wmae else None
        theirs = (champion_wmae / champion_seasonal_naive_wmae
                  if champion_wmae is not None and champion_seasonal_naive_wmae else None)
        figures.update(skill=ours, champion_skill=theirs)
        unit = "relative WMAE (vs seasonal naive, different backtests)"
        if ours is None or theirs is None:
            figures["beats_champion_by_margin"] = False
            return Decision(False, f"cannot compare with champion v{champion_number}", figures)
    improvement = (theirs - ours) / theirs
    by_margin = improvement >= margin - EPS
    figures.update(improvement=improvement, beats_champion_by_margin=by_margin)
    fmt = (lambda v: f"{v:,.1f}") if unit.startswith("WMAE") else (lambda v: f"{v:.3f}")
    note = (f"{unit} {fmt(ours)} vs champion v{champion_number} {fmt(theirs)}: {improvement:+.1%} "
            f"(needs {margin:.0%}); {'beats' if beats_naive else 'does not beat'} {naive_text}")
    return Decision(by_margin and beats_naive, note, figures)
