"""The trained-model artifact: one zip file.

Layout (format_version 2)::

    meta.json               chosen model, params, feature names, calendar names,
                            horizon, candidates, ensemble weights, interval
                            tables (series and hierarchy levels), origin
    arrays.npz              the panel needed for on-demand prediction: series
                            keys, weekly grid, sales history Y (n x T, NaN =
                            missing), holiday flags and calendar features of
                            history + 52 future weeks, markdowns and economic
                            covariates per store, store type/size, the
                            workspace's own covariates per series
                            (``own_<j>``, named in meta); the final-
                            origin state: series scale, status, floor, noise,
                            forecasts of every candidate and the ensemble
                            (n x H), the LightGBM feature rows (n*H x F),
                            department SVD bases and department/store
                            aggregates; ``st__<candidate>__<key>`` arrays of
                            candidate states
    candidates/<name>/<key> text parts of candidate states (e.g. the LightGBM
                            model text)

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

from .candidates import get
from .own_covariates import OwnCovariates
from .panel import Panel

_PANEL_ARRAYS = ["keys", "Y", "hol", "cal", "stores", "store_idx", "depts", "dept_idx", "md", "econ",
                 "stype", "ssize", "first_obs"]


class ForecastArtifact:
    def __init__(self, meta: dict, arrays: dict, texts: dict | None = None):
        self.meta = meta
        self.arrays = arrays
        self.texts = texts or {}
        self._states = None
        self._panel = None
        self._index = None

    # ------------------------------------------------------------ building
    @classmethod
    def from_training(cls, panel: Panel, final_state, forecasts: dict, chosen: str, candidates: list,
                      states: dict, params: dict, H: int, status: np.ndarray, floor: np.ndarray,
                      noise: np.ndarray, turb: np.ndarray, X_final: np.ndarray, origin: int | None = None):
        arrays = {k: np.asarray(getattr(panel, k)) for k in _PANEL_ARRAYS}
        if panel.local_hol is not None:
            arrays["local_hol"] = np.asarray(panel.local_hol, bool)
        arrays["dates"] = panel.dates.asi8
        arrays["ext_dates"] = panel.ext_dates.asi8
        own = panel.own
        for j, arr in enumerate([*own.known.values(), *own.past.values()] if own is not None else []):
            arrays[f"own_{j}"] = np.asarray(arr, float)
        ser, agg = final_state.ser, final_state.agg
        arrays["scale"] = ser["scale"]
        for k, v in forecasts.items():
            if v is not None:
                arrays[f"fc_{k}"] = np.asarray(v, float)
        arrays["X_final"] = np.asarray(X_final, np.float32)
        T = panel.T if origin is None else origin + 1
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
        arrays["status"] = np.asarray(status).astype("U8")
        arrays["short"] = arrays["status"] == "pooled"
        arrays["floor"] = np.asarray(floor, float)
        arrays["noise"] = np.asarray(noise, float)
        arrays["turb"] = np.asarray(turb, float)
        texts = {}
        for c in candidates:
            for key, v in c.dump_state(states.get(c.name)).items():
                if isinstance(v, str):
                    texts[f"candidates/{c.name}/{key}"] = v
                else:
                    arrays[f"st__{c.name}__{key}"] = np.asarray(v)
        meta = {
            "format_version": params["format_version"],
            "chosen": chosen,
            "horizon": int(H),
            "origin": panel.dates[T - 1].date().isoformat(),
            "intervals": params["intervals"],
            "hierarchy": params.get("hierarchy"),
            "ensemble": params["ensemble"],
            "features": params["features"],
            "cal_names": list(panel.cal_names),
            "own_covariates": own.kinds if own is not None else {},  # arrays own_0.. in this order
            "own_assumed": own.assumed(int(H)) if own is not None else {},
            "candidates": [c.name for c in candidates],
            "live_weeks": int(params.get("live_weeks", 52)),
            "params": params,
        }
        art = cls(meta, arrays, texts)
        art._states = {c.name: states.get(c.name) for c in candidates}  # fitted in memory: no re-parse
        return art

    # ------------------------------------------------------------ access
    @property
    def horizon(self) -> int:
        return int(self.meta["horizon"])

    @property
    def chosen(self) -> str:
        return self.meta["chosen"]

    @property
    def origin_index(self) -> int:
        """Index (in the stored grid) of the week the stored forecast starts after."""
        return self.panel.T - 1

    def state(self, name: str):
        """Fitted state of one candidate (loaded once from the artifact)."""
        if self._states is None:
            self._states = {}
        if name not in self._states:
            c = get(name)
            if c is None:
                raise LookupError(f"candidate {name!r} of this model is not registered in this process")
            prefix_t, prefix_a = f"candidates/{name}/", f"st__{name}__"
            blob = {k[len(prefix_t):]: v for k, v in self.texts.items() if k.startswith(prefix_t)}
            blob.update({k[len(prefix_a):]: v for k, v in self.arrays.items() if k.startswith(prefix_a)})
            self._states[name] = c.load_state(blob)
        return self._states[name]

    @property
    def booster(self):
        """The LightGBM candidate's booster, when the model has one."""
        return self.state("lightgbm") if "lightgbm" in self.meta.get("candidates", []) else None

    @property
    def panel(self) -> Panel:
        if self._panel is None:
            a = self.arrays
            self._panel = Panel(
                keys=a["keys"], dates=pd.DatetimeIndex(a["dates"]), ext_dates=pd.DatetimeIndex(a["ext_dates"]),
                Y=a["Y"], hol=a["hol"].astype(bool), cal=a["cal"], cal_names=list(self.meta["cal_names"]),
                stores=a["stores"], store_idx=a["store_idx"], depts=a["depts"], dept_idx=a["dept_idx"],
                md=a["md"], econ=a["econ"], stype=a["stype"], ssize=a["ssize"], first_obs=a["first_obs"],
                local_hol=a["local_hol"].astype(bool) if "local_hol" in a else None, own=self._own())
        return self._panel

    def _own(self) -> OwnCovariates | None:
        kinds = self.meta.get("own_covariates") or {}
        if not kinds:
            return None
        own = OwnCovariates()
        for j, (name, kind) in enumerate(kinds.items()):
            (own.known if kind == "known" else own.past)[name] = self.arrays[f"own_{j}"]
        return own

    def holiday_periods(self) -> set:
        """The periods (as dates) the model treats as national holiday periods, history and future."""
        return set(self.panel.ext_dates[self.panel.hol[: len(self.panel.ext_dates)]].date)

    def series_index(self, store: int, dept: int) -> int:
        if self._index is None:
            keys = self.arrays["keys"]
            self._index = {(int(s), int(d)): i for i, (s, d) in enumerate(keys)}
        return self._index.get((int(store), int(dept)), -1)

    def warm(self) -> "ForecastArtifact":
        """Build the caches (candidate states, panel, index) ahead of the first request."""
        for name in self.meta.get("candidates", []):
            self.state(name)
        _ = self.panel
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
            for name, txt in sorted(self.texts.items()):
                z.writestr(name, txt)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ForecastArtifact":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            meta = json.loads(z.read("meta.json"))
            with np.load(io.BytesIO(z.read("arrays.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            if int(meta.get("format_version", 1)) < 2:
                raise ValueError("artifact format 1 predates the candidate registry; retrain the model")
            texts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("candidates/")}
        return cls(meta, arrays, texts)


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
