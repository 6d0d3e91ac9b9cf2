"""A fitted ``engine.Model`` as one zip file, as the weekly artifact is (forecasting/ml/artifact.py): a
``meta.json`` (the configuration, the choice, the band quantiles, the routed classes, the feature names,
the origin) and, when LightGBM was chosen, the booster as LightGBM's own text (LightGBM is imported
on first load only, as everywhere). No pickle: loading a file
never executes code. ``meta["engine"]`` is ``"periodic"``, so a reader can tell the two formats apart."""
from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import numpy as np
import pandas as pd

from ..models import import_lightgbm
from .engine import Config, Model

FORMAT_VERSION = 1
ENGINE = "periodic"


def to_bytes(model: Model) -> bytes:
    meta = {"engine": ENGINE, "format_version": FORMAT_VERSION, "config": dataclasses.asdict(model.config),
            "chosen": model.chosen, "routed": list(model.routed), "features": list(model.features),
            "origin": model.origin.date().isoformat(), "label": model.label,
            "quantiles": {lv: np.asarray(q, float).tolist() for lv, q in model.quantiles.items()},
            "edges": list(model.edges)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("meta.json", json.dumps(meta, sort_keys=True))
        if model.booster is not None:
            z.writestr("booster.txt", model.booster.model_to_string())
    return buf.getvalue()


def from_bytes(data: bytes) -> Model:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        meta = json.loads(z.read("meta.json"))
        if meta.get("engine") != ENGINE:
            raise ValueError("not a model of the engine for any planning frequency")
        booster = import_lightgbm().Booster(model_str=z.read("booster.txt").decode()) if "booster.txt" in z.namelist() else None
    return Model(config=Config(**meta["config"]), chosen=meta["chosen"], booster=booster,
                 quantiles={lv: np.asarray(q, float) for lv, q in meta["quantiles"].items()},
                 routed=list(meta["routed"]), features=list(meta["features"]),
                 origin=pd.Timestamp(meta["origin"]), label=meta.get("label", "start"),
                 edges=list(meta.get("edges") or []))  # a model written before the volume segments: one


@dataclasses.dataclass
class PeriodicArtifact:
    """What ``forecasting.ml.artifact.save_artifact`` writes for this engine (it reads ``to_bytes``)."""
    model: Model

    def to_bytes(self) -> bytes:
        return to_bytes(self.model)


def load(path) -> Model:
    with open(path, "rb") as fh:
        return from_bytes(fh.read())
