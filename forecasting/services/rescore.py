"""The champion scored on a challenger's backtest windows, by the training job
(worker side) before the challenger is registered and decided
(forecasting/services/promotion.py). Only when the two backtests differ (the
champion was trained on another data version, horizon or windows) and some
of the challenger's windows start at or after the champion's last training
week (forecasting/ml/rescore.py says why earlier ones cannot be used). Its
cost is one forecast refresh of the champion per such window, no refit. Any
failure (the champion's file missing or altered, a model format this code
cannot read) leaves the rule to its fallback: skill vs seasonal naive."""
from __future__ import annotations

import logging
from datetime import date

from django.conf import settings

from forecasting.ml.pipeline import load_artifact
from forecasting.ml.rescore import rescore_on_windows
from forecasting.selectors.forecast import active_model
from forecasting.services.promotion import artifact_problem

logger = logging.getLogger(__name__)


def champion_rescore(*, result, sales, features, stores, events=None, own=None, dataset_version: int,
                     horizon: int, backtest_windows: int, data_end: date) -> dict | None:
    """Figures for ``promotion_decision(rescored=...)`` (with the champion's
    number), or None when not needed or not possible."""

    champion = active_model()
    if champion is None or champion.data_end is None or champion.data_end >= data_end:
        return None
    if (champion.dataset_version, champion.horizon, champion.backtest_windows) == (
            dataset_version, horizon, backtest_windows):
        return None  # the same backtest: its own figures compare
    if artifact_problem(champion) is not None:
        return None
    try:
        figures = rescore_on_windows(load_artifact(champion.artifact_path), result, sales, features, stores,
                                     num_threads=settings.ML_NUM_THREADS, events=events, own=own)
    except Exception:
        logger.exception("scoring champion v%s on the challenger's windows failed", champion.number)
        return None
    return None if figures is None else {**figures, "champion": champion.number}
