"""One global LightGBM, direct multi-horizon: target (sales - seasonal
profile) / series scale, L1 loss weighted by scale x holiday weight (= WMAE).
Its state is the booster (LightGBM model text in the artifact)."""
from __future__ import annotations

import numpy as np

from ..insights import global_importance, top_contributions
from ..models import import_lightgbm, lgb_fit, lgb_params
from .base import Candidate, Context, FitData


class LightGBMCandidate(Candidate):
    name = "lightgbm"
    label = "Gradient-boosted trees over all series (LightGBM)"

    def _params(self, cfg) -> dict:
        p = lgb_params(cfg.num_threads, cfg.seed)
        p.update(learning_rate=cfg.learning_rate, num_leaves=cfg.num_leaves)
        return p

    def fit(self, data: FitData, o: int):
        cfg, ts = data.config, data.training_set
        idx = ts.upto(o)
        if len(idx) > cfg.max_train_rows:
            idx = np.sort(data.rng.choice(idx, cfg.max_train_rows, replace=False))
        if len(idx) < 50:
            return None
        return lgb_fit(ts.X[idx], ts.r[idx], ts.w[idx], data.feature_names, self._params(cfg), cfg.num_rounds)

    def forecast(self, ctx: Context, state) -> np.ndarray:
        if state is None:
            return np.array(ctx.base, float)
        rh = state.predict(ctx.X(), num_threads=max(1, ctx.n_jobs)).reshape(ctx.n, ctx.H)
        return ctx.base + ctx.scale[:, None] * rh

    def explain(self, ctx: Context, state, row: int, k: int = 5):
        if state is None:
            return None
        names = state.feature_name()
        return top_contributions(state, ctx.X()[row * ctx.H], names, float(ctx.scale[row]), k)

    def importance(self, state) -> list:
        return global_importance(state, state.feature_name()) if state is not None else []

    def dump_state(self, state) -> dict:
        return {"model.txt": state.model_to_string()} if state is not None else {}

    def load_state(self, blob: dict):
        txt = blob.get("model.txt")
        if not txt:
            return None
        return import_lightgbm().Booster(model_str=txt)

    def params(self, config) -> dict:
        return {"params": self._params(config), "num_rounds": int(config.num_rounds),
                "strategy": "direct multi-horizon (one global model, horizon step as a feature)",
                "target": "(sales - seasonal_profile) / series_scale, L1 loss weighted by scale x holiday weight"}
