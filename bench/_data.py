"""Shared helpers for the bench scripts: locate and load the Walmart files into
the lowercase frames the pipeline expects."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


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
    return p


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
