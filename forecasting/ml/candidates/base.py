"""The candidate interface and the registry every stage iterates over.

A candidate is one object: a ``name`` (the key in metrics, backtest rows and
the artifact), a plain-words ``label`` for the UI, ``fit`` (state at an origin
from the training data), ``forecast`` (an (n, H) array for the rows of a
:class:`Context`), an optional ``explain`` and ``dump_state``/``load_state``
(the artifact's copy of the fitted state: numpy arrays and text only, never
pickles).  The backtest, the choice, the ensemble, the artifact, the
on-demand prediction and the refresh all loop over :data:`REGISTRY`, so a new
candidate is one new module plus one ``register(...)`` line in
``candidates/__init__.py``.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Context:
    """Everything known at origin ``o`` for the rows being forecast.

    ``panel``/``Y0`` hold the rows (the whole panel in training and refresh,
    a one-series view on demand), ``state`` the features at ``o``
    (:class:`forecasting.ml.features.OriginState`), ``active`` which rows need
    a forecast (live series; the others may be left at 0).
    """
    panel: object
    Y0: np.ndarray
    o: int
    H: int
    state: object
    active: np.ndarray
    n_jobs: int = 1
    # the candidates' states were fitted on these very rows (training) or are to be moved forward to ``o``
    # (a refresh): a candidate may forecast from its state instead of refitting (candidates/mstl.py)
    stateful: bool = False
    _X: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.Y0.shape[0]

    def X(self) -> np.ndarray:
        """LightGBM feature rows (n*H, F), built once per context."""
        if self._X is None:
            self._X = self.state.X(self.panel, self.Y0)
        return self._X

    @property
    def base(self) -> np.ndarray:
        """Seasonal profile forecast (n, H) computed with the features."""
        return self.state.ser["base"]

    @property
    def scale(self) -> np.ndarray:
        return self.state.ser["scale"]


@dataclass
class FitData:
    """Training data shared by the candidates' ``fit`` (built once per train())."""
    panel: object
    Y0: np.ndarray
    config: object
    feature_names: list
    training_set: object
    rng: np.random.Generator


class Candidate:
    name: str = ""
    label: str = ""
    in_ensemble: bool = True

    def enabled(self, config) -> bool:
        """Whether train() runs this candidate under the given TrainConfig."""
        names = getattr(config, "candidates", None)
        return names is None or self.name in names

    def fit(self, data: FitData, o: int):
        """State fitted on data up to origin o (None for stateless models)."""
        return None

    def forecast(self, ctx: Context, state) -> np.ndarray:
        raise NotImplementedError

    def explain(self, ctx: Context, state, row: int, k: int = 5) -> list | None:
        """Drivers of the first forecast step of one row, or None."""
        return None

    def importance(self, state) -> list:
        return []

    def dump_state(self, state) -> dict:
        """{key: str | ndarray} stored in the artifact."""
        return {}

    def load_state(self, blob: dict):
        return None

    def params(self, config) -> dict:
        """JSON description of the set-up, stored in the model's params."""
        return {}


REGISTRY: list = []


def register(candidate: Candidate) -> Candidate:
    if not candidate.name or any(c.name == candidate.name for c in REGISTRY):
        raise ValueError(f"candidate name {candidate.name!r} is empty or already registered")
    if candidate.name in ("ensemble", "seasonal_naive", "last_value"):
        raise ValueError(f"{candidate.name!r} is reserved")
    REGISTRY.append(candidate)
    return candidate


def unregister(name: str) -> None:
    REGISTRY[:] = [c for c in REGISTRY if c.name != name]


@contextlib.contextmanager
def registered(candidate: Candidate):
    """Register a candidate for the duration of a block (tests, experiments)."""
    register(candidate)
    try:
        yield candidate
    finally:
        unregister(candidate.name)


def get(name: str) -> Candidate | None:
    return next((c for c in REGISTRY if c.name == name), None)


def names() -> list:
    return [c.name for c in REGISTRY]


def labels() -> dict:
    """name -> plain words, for every candidate plus the ensemble and baselines."""
    out = {c.name: c.label for c in REGISTRY}
    out.update(ensemble="Ensemble (combination of the candidates)",
               seasonal_naive="Seasonal naive (same week last year)", last_value="Last value")
    return out
