"""Tests for forecasting.demo_data (plain pytest, no Django)."""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.demo_data import (
    FEATURES_HEADER,
    SMALL,
    STORES_HEADER,
    TRAIN_HEADER,
    generate,
    holiday_dates,
    holiday_week_flags,
    main,
)
from forecasting.ingest.parsing import parse_upload

ROOT = Path(__file__).resolve().parents[2]

# Walmart's IsHoliday weeks (from the Kaggle data description)
WALMART_HOLIDAY_WEEKS = {
    "super_bowl": ["2010-02-12", "2011-02-11", "2012-02-10", "2013-02-08"],
    "labor_day": ["2010-09-10", "2011-09-09", "2012-09-07", "2013-09-06"],
    "thanksgiving": ["2010-11-26", "2011-11-25", "2012-11-23", "2013-11-29"],
    "christmas": ["2010-12-31", "2011-12-30", "2012-12-28", "2013-12-27"],
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    return generate(out, seed=0, small=True)


def _files(paths):
    return {k: Path(p).read_bytes() for k, p in paths.items()}


def test_small_files_exact_layout(small):
    assert set(small) == {"sales", "features", "stores"}
    assert small["sales"].name == "train.csv" and small["features"].name == "features.csv"
    assert small["stores"].name == "stores.csv"
    train = small["sales"].read_text()
    assert train.splitlines()[0] == ",".join(TRAIN_HEADER) == "Store,Dept,Date,Weekly_Sales,IsHoliday"
    assert small["features"].read_text().splitlines()[0] == ",".join(FEATURES_HEADER)
    assert small["stores"].read_text().splitlines()[0] == ",".join(STORES_HEADER)
    assert "\r" not in train and train.endswith("\n")
    assert set(pd.read_csv(small["sales"], dtype=str)["IsHoliday"]) == {"TRUE", "FALSE"}


def test_small_files_parse_ok(small):
    for kind, path in small.items():
        res = parse_upload(path, path.name)
        assert res.ok, (kind, res.errors[:3])
        assert res.kind == kind and not res.warnings
    sales = parse_upload(small["sales"], "train.csv")
    assert sales.weekday == 4  # Friday week endings
    assert sales.stats["stores"] == SMALL["stores"] and sales.stats["depts"] == SMALL["depts"]
    assert sales.stats["weeks"] == SMALL["weeks"]
    assert sales.stats["negative_sales"] >= 1 and sales.stats["zero_sales"] >= 1
    feats = parse_upload(small["features"], "features.csv")
    assert len(feats.frame) == SMALL["stores"] * (SMALL["weeks"] + 13)
    stores = parse_upload(small["stores"], "stores.csv")
    assert set(stores.frame["type"]) == {"A", "B", "C"}


def test_deterministic_byte_identical(tmp_path):
    a = generate(tmp_path / "a", seed=7, stores=4, depts=6, weeks=60)
    b = generate(tmp_path / "b", seed=7, stores=4, depts=6, weeks=60)
    c = generate(tmp_path / "c", seed=8, stores=4, depts=6, weeks=60)
    assert _files(a) == _files(b)
    assert _files(a)["sales"] != _files(c)["sales"]


def test_holiday_calendar_matches_walmart():
    for year in (2010, 2011, 2012, 2013):
        days = holiday_dates(year)
        assert days["super_bowl"].weekday() == 6 and days["labor_day"].weekday() == 0
        assert days["thanksgiving"].weekday() == 3 and days["christmas"] == dt.date(year, 12, 25)
    assert holiday_dates(2010)["super_bowl"] == dt.date(2010, 2, 7)
    assert holiday_dates(2022)["super_bowl"] == dt.date(2022, 2, 13)  # second Sunday since 2022
    assert holiday_dates(2012)["thanksgiving"] == dt.date(2012, 11, 22)
    weeks = pd.date_range("2010-02-05", "2013-12-27", freq="7D")
    flags = holiday_week_flags(weeks)
    for name, expected in WALMART_HOLIDAY_WEEKS.items():
        assert [d.strftime("%Y-%m-%d") for d in weeks[flags[name]]] == expected, name


def test_holiday_weeks_move_with_calendar_for_other_weekdays():
    sundays = pd.date_range("2015-01-04", periods=60, freq="7D")
    flags = holiday_week_flags(sundays)
    # Thanksgiving 2015-11-26 (Thu) falls in the week ending Sunday 2015-11-29
    assert list(sundays[flags["thanksgiving"]]) == [pd.Timestamp("2015-11-29")]
    assert list(sundays[flags["christmas"]]) == [pd.Timestamp("2015-12-27")]


def test_realism_properties(tmp_path):
    paths = generate(tmp_path, seed=1, stores=6, depts=12, weeks=143)
    train = pd.read_csv(paths["sales"])
    feats = pd.read_csv(paths["features"], keep_default_na=False, dtype=str)
    dates = pd.to_datetime(train["Date"])
    assert (dates.dt.dayofweek == 4).all()
    assert sorted(train.loc[train.IsHoliday, "Date"].unique())[:4] == [
        "2010-02-12", "2010-09-10", "2010-11-26", "2010-12-31"]
    # markdowns only from late 2011, NA before
    md = feats[["MarkDown1", "MarkDown2", "MarkDown3", "MarkDown4", "MarkDown5"]]
    fdates = pd.to_datetime(feats["Date"])
    assert (md[fdates < "2011-11-11"] == "NA").all().all()
    assert (md[fdates >= "2011-11-11"] != "NA").any().all()
    # CPI / Unemployment missing for the future weeks only
    future = fdates > dates.max()
    assert (feats.loc[future, "CPI"] == "NA").all() and (feats.loc[~future, "CPI"] != "NA").all()
    assert future.sum() == 6 * 13
    # holiday season: Thanksgiving week and the week before Christmas beat a normal November week
    total = train.groupby("Date")["Weekly_Sales"].sum()
    assert total["2010-11-26"] > 1.15 * total["2010-11-12"]
    assert total["2010-12-24"] > 1.15 * total["2010-11-12"]
    assert total["2011-12-23"] > 1.15 * total["2011-11-11"]
    # sales scale with store size
    stores = pd.read_csv(paths["stores"])
    per_store = train.groupby("Store")["Weekly_Sales"].sum()
    assert np.corrcoef(stores.set_index("Store")["Size"], per_store)[0, 1] > 0.5
    # series that start late and stop early
    span = train.groupby(["Store", "Dept"])["Date"].agg(["min", "max"])
    assert (span["min"] > "2010-02-05").any() and (span["max"] < train["Date"].max()).any()
    assert (train["Weekly_Sales"] < 0).any()


def test_other_start_weekday(tmp_path):
    paths = generate(tmp_path, seed=2, stores=2, depts=3, weeks=30, start="2021-01-03")
    res = parse_upload(paths["sales"], "train.csv")
    assert res.ok and res.weekday == 6


def test_invalid_parameters(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, stores=0)


def test_cli_main(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "cli"), "--seed", "3", "--small"]) == 0
    out = capsys.readouterr().out
    assert "train.csv" in out
    ref = generate(tmp_path / "ref", seed=3, small=True)
    assert _files({k: tmp_path / "cli" / p.name for k, p in ref.items()}) == _files(ref)


def test_cli_module_invocation(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "forecasting.demo_data", "--out", str(tmp_path),
                           "--seed", "1", "--stores", "2", "--depts", "2", "--weeks", "10"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "train.csv").is_file() and (tmp_path / "stores.csv").is_file()


@pytest.mark.slow
def test_full_size_parses(tmp_path):
    paths = generate(tmp_path, seed=0)
    res = parse_upload(paths["sales"], "train.csv")
    assert res.ok and res.stats["stores"] == 45 and res.stats["depts"] == 80
    assert res.stats["weeks"] == 143 and res.stats["holiday_weeks"] == 10
    assert 0.0005 < res.stats["negative_sales"] / res.rows_total < 0.02
    assert parse_upload(paths["features"], "features.csv").ok
    stores = parse_upload(paths["stores"], "stores.csv")
    assert stores.ok and stores.stats["types"] == {"A": 22, "B": 17, "C": 6}


def test_modules_do_not_import_django():
    code = ("import sys, forecasting.demo_data, forecasting.ingest, forecasting.ingest.parsing; "
            "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
