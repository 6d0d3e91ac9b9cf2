"""Shared helpers for the bench scripts: locate and load the Walmart files into
the lowercase frames the pipeline expects, and the quick mode every script has
(``--quick``: small generated data, seconds, targets printed but not enforced)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# a reference library (mlforecast) may import LightGBM before the product does: without a passive OpenMP
# wait policy its threads spin between calls and a 3 s fit took 85 s on 2 cores
# (forecasting/ml/models.import_lightgbm sets the same when it is first to import it)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import pandas as pd

from forecasting.demo_data import generate
from forecasting.ml import events as ev

REPO = Path(__file__).resolve().parents[1]
FAVORITA = (REPO / ".." / "shared" / "data" / "favorita").resolve()


def default_data_dir() -> Path:
    env = os.environ.get("WALMART_DATA_DIR")
    if env:
        return Path(env)
    return (REPO / ".." / "shared" / "data" / "walmart").resolve()


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, default=default_data_dir(),
                   help="folder with train.csv, features.csv, stores.csv "
                        "(default: $WALMART_DATA_DIR or ../shared/data/walmart)")
    add_quick(p)
    return p


# ------------------------------------------------------------------ quick mode
#: the generator's data on the Walmart calendar (143 weeks, 2010-02-05 .. 2012-10-26), so the
#: scripts' fixed dates (cut-offs, backtest origins) exist; 3 stores x 4 departments
QUICK_SHAPE = {"stores": 3, "depts": 4, "weeks": 143}


def is_quick(argv: list[str] | None = None) -> bool:
    """``--quick`` on the command line (read before argparse by the scripts that pick
    their database at import time)."""
    return "--quick" in (sys.argv[1:] if argv is None else argv)


def add_quick(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true",
                   help="smoke run in seconds on small generated data (never the real files); "
                        "targets are printed, not enforced")


def quick_data(seed: int = 0, folder: Path | None = None, **shape) -> Path:
    """A folder with train.csv, features.csv, stores.csv from forecasting/demo_data.py
    (deterministic: same seed, same files)."""
    import tempfile

    folder = Path(folder or tempfile.mkdtemp(prefix="bench-quick-"))
    generate(folder, seed=seed, **{**QUICK_SHAPE, **shape})
    print(f"quick mode: generated data in {folder} ({shape.get('stores', QUICK_SHAPE['stores'])} stores x "
          f"{shape.get('depts', QUICK_SHAPE['depts'])} departments, {shape.get('weeks', QUICK_SHAPE['weeks'])} "
          "weeks); figures are not representative", flush=True)
    return folder


def verdict(ok: bool, quick: bool) -> int:
    """Exit status: 0/1 on PASS/FAIL, always 0 in quick mode (targets are not enforced)."""
    if quick:
        print(f"quick mode: targets not enforced (they {'hold' if ok else 'do not hold'} on this tiny data)")
        return 0
    return 0 if ok else 1


def optional(module: str, part: str, quick: bool) -> bool:
    """Whether ``module`` (from requirements/bench.txt) imports. Missing in quick
    mode: a printed note and the caller skips ``part``; missing in a full run: exit 2."""
    import importlib

    try:
        importlib.import_module(module)
        return True
    except ImportError:
        msg = f"{part}: skipped, {module} is not installed (pip install -r requirements/bench.txt)"
        if quick:
            print(f"quick mode: {msg}", flush=True)
            return False
        sys.exit(msg)


def require_data(data: Path) -> Path:
    if not (Path(data) / "train.csv").is_file():
        sys.stderr.write(f"Walmart data not found in {data} (need train.csv, features.csv, stores.csv); "
                         "pass --data DIR or set WALMART_DATA_DIR.\n")
        sys.exit(2)
    return Path(data)


def _bool(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.upper().isin(["TRUE", "1", "T", "YES"])


def load_walmart(data: Path):
    data = Path(data)
    tr = pd.read_csv(data / "train.csv", parse_dates=["Date"])
    sales = pd.DataFrame({
        "store": tr["Store"].astype(int), "dept": tr["Dept"].astype(int), "date": tr["Date"],
        "sales": tr["Weekly_Sales"].astype(float), "is_holiday": _bool(tr["IsHoliday"]),
    })
    features = None
    if (data / "features.csv").is_file():
        fe = pd.read_csv(data / "features.csv", parse_dates=["Date"], na_values=["NA"])
        fe.columns = [c.lower() for c in fe.columns]
        fe = fe.rename(columns={"isholiday": "is_holiday"})
        fe["is_holiday"] = _bool(fe["is_holiday"])
        features = fe
    stores = None
    if (data / "stores.csv").is_file():
        raw = (data / "stores.csv").read_bytes().decode().replace("\r\n", "\n").replace("\r", "\n")
        from io import StringIO
        st = pd.read_csv(StringIO(raw))
        stores = pd.DataFrame({"store": st["Store"].astype(int), "type": st["Type"].astype(str),
                               "size": st["Size"].astype(int)})
    return sales, features, stores


# ------------------------------------------------------------------ daily data (Favorita, or generated)
def load_favorita(folder: Path) -> dict:
    tx = pd.read_csv(folder / "transactions.csv", parse_dates=["date"])
    st = pd.read_csv(folder / "stores.csv")
    he = pd.read_csv(folder / "holidays_events.csv")
    oil = pd.read_csv(folder / "oil.csv", parse_dates=["date"]).rename(columns={"dcoilwtico": "oil"})
    history = pd.DataFrame({"location": tx["store_nbr"].astype(str), "date": tx["date"],
                            "value": tx["transactions"].astype(float)})
    locations = st.rename(columns={"store_nbr": "location"}).assign(location=lambda d: d["location"].astype(str))
    raw = pd.DataFrame({"date": he["date"], "event": he["description"], "event.kind": he["type"],
                        "event.scope": he["locale_name"].where(he["locale"] != "National", ev.NATIONAL),
                        "event.transferred": he["transferred"]})
    events = ev.retailer_events(raw)
    return {"history": history, "locations": locations, "events": events,
            "days": ev.event_days(events, locations[["location", "city", "state"]]),
            "covariates": oil, "kinds": {"oil": "past"}}


def quick_daily(stores: int = 4, days: int = 800, seed: int = 0) -> dict:
    """A small generated chain: weekday pattern, a yearly wave, growth, Sunday closures in two stores."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-01", periods=days, freq="D")
    rows = []
    for s in range(stores):
        level = rng.uniform(500, 2000)
        week = 1 + 0.3 * np.sin(2 * np.pi * dates.dayofweek / 7 + s)
        year = 1 + 0.2 * np.sin(2 * np.pi * dates.dayofyear / 365.25)
        y = level * week * year * (1 + 0.0002 * np.arange(days)) * rng.lognormal(0, 0.05, days)
        keep = ~((s < 2) & (dates.dayofweek == 6))
        rows.append(pd.DataFrame({"location": f"S{s:02d}", "date": dates[keep], "value": y[keep].round()}))
    history = pd.concat(rows, ignore_index=True)
    locations = pd.DataFrame({"location": [f"S{s:02d}" for s in range(stores)],
                              "city": [f"C{s % 3}" for s in range(stores)],
                              "state": [f"R{s % 2}" for s in range(stores)]})
    events = ev.public_holidays("EC", None, range(2015, 2018))
    return {"history": history, "locations": locations, "events": events,
            "days": ev.event_days(events, locations), "covariates": None, "kinds": None}
