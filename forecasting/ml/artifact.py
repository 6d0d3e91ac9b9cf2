"""The trained-model artifact: one zip file.

Layout (format_version 1)::

    meta.json    chosen model, params, feature names, calendar names, horizon,
                 conformal quantiles per horizon step, format version
    arrays.npz   the panel needed for on-demand prediction: series keys, weekly
                 grid, sales history Y (n x T, NaN = missing), holiday flags and
                 calendar features of history + 52 future weeks, markdowns and
                 economic covariates per store, store type/size; the final-origin
                 state: series scale, forecasts of every candidate (n x H), the
                 LightGBM feature rows (n*H x F), department SVD bases and
                 department/store aggregates
    model.txt    LightGBM model text (absent when no model could be fitted)

It is written atomically (temp file in the same folder, fsync, os.replace) and
contains no pickles, so loading it never executes code.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pandas as pd

from .panel import Panel

_PANEL_ARRAYS = ["keys", "Y", "hol", "cal", "stores", "store_idx", "depts", "dept_idx", "md", "econ",
                 "stype", "ssize", "first_obs"]


class ForecastArtifact:
    def __init__(self, meta: dict, arrays: dict, model_txt: str | None):
        self.meta = meta
        self.arrays = arrays
        self.model_txt = model_txt
        self._booster = None
        self._panel = None
        self._index = None

    # ------------------------------------------------------------ building
    @classmethod
    def from_training(cls, panel: Panel, final_state, forecasts: dict, chosen: str, quantiles: dict,
                      model, X_final: np.ndarray, params: dict, H: int, short: np.ndarray):
        arrays = {k: np.asarray(getattr(panel, k)) for k in _PANEL_ARRAYS}
        arrays["dates"] = panel.dates.asi8
        arrays["ext_dates"] = panel.ext_dates.asi8
        ser, agg = final_state.ser, final_state.agg
        arrays["scale"] = ser["scale"]
        for k, v in forecasts.items():
            if v is not None:
                arrays[f"fc_{k}"] = np.asarray(v, float)
        arrays["X_final"] = np.asarray(X_final, np.float32)
        T = panel.T
        k = max([b.shape[0] for b in final_state.bases if b is not None] or [0])
        basis = np.zeros((len(panel.depts), k, T))
        basis_ok = np.zeros(len(panel.depts), bool)
        for d, b in enumerate(final_state.bases):
            if b is not None:
                basis[d, : b.shape[0], : b.shape[1]] = b
                basis_ok[d] = True
        arrays["basis"] = basis
        arrays["basis_ok"] = basis_ok
        for key in ("dept_season", "dept_growth", "store_growth", "store_mean52"):
            arrays[f"agg_{key}"] = np.asarray(agg[key], float)
        short_flag = np.zeros(panel.n, bool)
        short_flag[short] = True
        arrays["short"] = short_flag
        meta = {
            "format_version": params["format_version"],
            "chosen": chosen,
            "horizon": int(H),
            "quantiles": quantiles,
            "features": params["features"],
            "cal_names": list(panel.cal_names),
            "candidates": [k for k, v in forecasts.items() if v is not None],
            "params": params,
        }
        txt = model.model_to_string() if model is not None else None
        return cls(meta, arrays, txt)

    # ------------------------------------------------------------ access
    @property
    def horizon(self) -> int:
        return int(self.meta["horizon"])

    @property
    def chosen(self) -> str:
        return self.meta["chosen"]

    @property
    def booster(self):
        if self._booster is None and self.model_txt:
            from .models import import_lightgbm
            lgb = import_lightgbm()
            self._booster = lgb.Booster(model_str=self.model_txt)
        return self._booster

    @property
    def panel(self) -> Panel:
        if self._panel is None:
            a = self.arrays
            self._panel = Panel(
                keys=a["keys"], dates=pd.DatetimeIndex(a["dates"]), ext_dates=pd.DatetimeIndex(a["ext_dates"]),
                Y=a["Y"], hol=a["hol"].astype(bool), cal=a["cal"], cal_names=list(self.meta["cal_names"]),
                stores=a["stores"], store_idx=a["store_idx"], depts=a["depts"], dept_idx=a["dept_idx"],
                md=a["md"], econ=a["econ"], stype=a["stype"], ssize=a["ssize"], first_obs=a["first_obs"])
        return self._panel

    def series_index(self, store: int, dept: int) -> int:
        if self._index is None:
            keys = self.arrays["keys"]
            self._index = {(int(s), int(d)): i for i, (s, d) in enumerate(keys)}
        return self._index.get((int(store), int(dept)), -1)

    def warm(self) -> "ForecastArtifact":
        """Build the caches (booster, panel, index) ahead of the first request."""
        _ = self.booster, self.panel
        self.series_index(-1, -1)
        if "mstl" in self.meta.get("candidates", []):
            import statsforecast.models  # noqa: F401  (used when a history is passed)
        return self

    # ------------------------------------------------------------ bytes
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            z.writestr("meta.json", json.dumps(self.meta, sort_keys=True))
            ab = io.BytesIO()
            np.savez(ab, **self.arrays)
            z.writestr("arrays.npz", ab.getvalue())
            if self.model_txt:
                z.writestr("model.txt", self.model_txt)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ForecastArtifact":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            meta = json.loads(z.read("meta.json"))
            with np.load(io.BytesIO(z.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            txt = z.read("model.txt").decode() if "model.txt" in z.namelist() else None
        return cls(meta, arrays, txt)


def save_artifact(artifact: ForecastArtifact, path) -> str:
    """Write atomically; return the sha256 hex digest of the file written."""
    path = os.fspath(path)
    data = artifact.to_bytes()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".artifact-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return hashlib.sha256(data).hexdigest()


def load_artifact(path) -> ForecastArtifact:
    with open(os.fspath(path), "rb") as fh:
        return ForecastArtifact.from_bytes(fh.read())
