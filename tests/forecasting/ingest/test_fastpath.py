"""The pyarrow fast path (forecasting.ingest.fastpath) must be invisible: for any
input, parse_upload returns exactly what the general path returns (same frame,
errors, warnings, stats...), the fast path only ever taking files it can parse
identically and handing everything else to the general path."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from forecasting.ingest import fastpath
from forecasting.ingest.parsing import ParseLimits, parse_upload

CORPUS = Path(__file__).with_name("corpus")
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def _both(src, name="f.csv", limits=None, **args):
    """(fast-path-enabled result, general-path result, whether the fast path was taken)."""
    taken = []
    orig = fastpath.try_fast_sales

    def spy(*a, **k):
        taken.append(orig(*a, **k))
        return taken[-1]

    fastpath.try_fast_sales = spy
    try:
        fast = parse_upload(src, name, limits=limits or ParseLimits(), **args)
    finally:
        fastpath.try_fast_sales = orig
    fastpath.ENABLED = False
    try:
        slow = parse_upload(src, name, limits=limits or ParseLimits(), **args)
    finally:
        fastpath.ENABLED = True
    return fast, slow, bool(taken and taken[0])


def _assert_same(fast, slow, detail=""):
    assert fast.summary() == slow.summary(), detail
    if slow.frame is None:
        assert fast.frame is None, detail
        return
    assert list(fast.frame.columns) == list(slow.frame.columns), detail
    assert list(fast.frame.dtypes) == list(slow.frame.dtypes), detail
    assert fast.frame.equals(slow.frame), detail
    for c in fast.frame.columns:  # bit-identical values (equals() treats -0.0 == 0.0)
        a, b = fast.frame[c].to_numpy(), slow.frame[c].to_numpy()
        if a.dtype != object:
            assert a.tobytes() == b.tobytes(), (detail, c)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_same_result_with_and_without_fast_path(name):
    exp = EXPECTED[name]
    fast, slow, _ = _both(CORPUS / name, name, ParseLimits(**exp.get("limits", {})), **exp.get("args", {}))
    _assert_same(fast, slow, name)


def test_fast_path_takes_plain_files_and_leaves_odd_ones():
    taken = {name: _both(CORPUS / name, name, ParseLimits(**e.get("limits", {})), **e.get("args", {}))[2]
             for name, e in EXPECTED.items()}
    for name in ("ok_sales_basic.csv", "ok_sales_bom.csv", "ok_sales_gzip.csv.gz", "ok_sales_bool_variants.csv",
                 "ok_sales_no_holiday_column.csv", "ok_sales_no_final_newline.csv",
                 "ok_sales_tenant_weekday.csv", "ok_sales_negative_zero.csv"):
        assert taken[name], name
    for name in ("ok_sales_crlf.csv", "ok_sales_cr_only.csv", "ok_sales_blank_lines.csv",
                 "ok_sales_quoted_fields.csv", "ok_sales_integral_float_ids.csv", "ok_features_na.csv",
                 "ok_stores_generic.csv"):
        assert not taken[name], name
    assert not any(taken[n] for n in EXPECTED if not EXPECTED[n]["ok"])  # errors come from the general path


@pytest.mark.walmart
def test_real_train_csv_same_result(walmart_dir):
    fast, slow, taken = _both(walmart_dir / "train.csv", "train.csv", ParseLimits(max_rows=10_000_000))
    assert taken and fast.ok and fast.rows_total == 383_040
    _assert_same(fast, slow, "train.csv")


HEADERS = [
    "Store,Dept,Date,Weekly_Sales,IsHoliday",
    "store,dept,date,sales",
    "Date,Store,Weekly_Sales,Dept,IsHoliday,Notes",
    "Store,Dept,Date,Weekly_Sales,IsHoliday,Index",
    "store_id,department,week,units,holiday",
]
TOKENS = {
    "store": ["1", "2", "3", "01", "0", "-1", "+1", "1.0", "0x1", " 2", "2 ", "", "2147483647", "2147483648",
              "1e0", "1.5", "abc", "\t3"],
    "dept": ["1", "2", "7", "007", "0", "-0", "-3", "1.0", "0X2", "", "99999999999", " 5"],
    "date": ["2010-02-05", "2010-02-12", "2010-02-19", "2012-10-26", "2010-02-06", "2010-2-5", "1899-12-29",
             "2101-01-07", "2010-02-30", " 2010-02-05", "2010-02-12 ", "", "05/02/2010", "2010-02-05T00:00",
             "1900-01-05", "2100-12-31"],
    "sales": ["1.5", "-0", "0", "24924.5", "-863.01", "1e3", "1E-2", "inf", "-Infinity", "nan", "NaN", "",
              "123456789012345", "1234567890.12345", "12345678901234567", "0.1000000000000000055511151231257827",
              ".5", "5.", "+1.5", " 1.5", "abc", "--1", "0x10", "1_000", "3960306.2027868387e269"],
    "holiday": ["TRUE", "FALSE", "true", "False", "tRuE", "", "yes", "N", "0", "1", "t", "f", " TRUE", "2",
                "ja", "FALSE "],
    "other": ["", "x", "note", "42", "a b", "X", "é"],
}
CLEAN = {"store": ["1", "2", "3", "10"], "dept": ["1", "2", "3", "72"],
         "date": ["2010-02-05", "2010-02-12", "2010-02-19", "2011-11-25", "2012-10-26"],
         "sales": ["1.5", "0", "-10.25", "24924.5", "100"], "holiday": ["TRUE", "FALSE", "true", "no", "0"],
         "other": ["", "note", "42"]}


def _field(header_key: str) -> str:
    k = header_key.lower()
    if "sales" in k or "units" in k:
        return "sales"
    if "store" in k:
        return "store"
    if "dept" in k or "depart" in k:
        return "dept"
    if "date" in k or "week" in k:
        return "date"
    if "holiday" in k:
        return "holiday"
    return "other"


def _fuzz_file(rng: random.Random) -> bytes:
    header = rng.choice(HEADERS)
    fields = [_field(h) for h in header.split(",")]
    dirty = rng.random() if rng.random() < 0.6 else 0.0  # share of tricky tokens
    lines = [header]
    for n in range(rng.randint(1, 12)):
        row = [rng.choice(TOKENS[f] if rng.random() < dirty * 0.3 else CLEAN[f]) for f in fields]
        if rng.random() < 0.9:  # mostly distinct keys (store counts up)
            row[fields.index("store")] = str(n + 1) if rng.random() > dirty * 0.3 else row[fields.index("store")]
        if rng.random() < 0.03:
            row = row[:-1] if rng.random() < 0.5 else row + ["extra"]
        lines.append(",".join(row))
    if rng.random() < 0.05:
        lines.insert(rng.randint(1, len(lines)), rng.choice(["", "  ", '""']))
    text = "\n".join(lines)
    r = rng.random()
    if r < 0.05:
        text = text.replace("\n", "\r\n")
    elif r < 0.08:
        text = text.replace(",note", ',"no,te"')
    if rng.random() < 0.8:
        text += "\n"
    return text.encode()


@pytest.mark.parametrize("seed", range(8))
def test_fuzzed_sales_files_same_result(seed):
    rng = random.Random(seed)
    taken = 0
    for i in range(150):
        data = _fuzz_file(rng)
        weekday = rng.choice([None, None, None, 4, 4, 5])
        fast, slow, t = _both(data, "fuzz.csv", weekday=weekday)
        taken += t
        _assert_same(fast, slow, f"seed={seed} file={i} weekday={weekday}\n{data.decode()}")
    assert taken > 25  # the fuzz does exercise the fast path


@pytest.mark.parametrize("data, taken", [
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n", True),
    (b"Store,Dept,Date,Weekly_Sales\n0x1,1,2010-02-05,1.5\n", False),           # hex: pandas says no
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,12345678901234567\n", False),  # rounding may differ
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1e3\n", False),
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,nan\n", False),
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n1,1,2010-02-05,2\n", False),   # duplicate
    (b"Store,Dept,Date,Weekly_Sales\n2,1,2010-02-05,1.5\n1,1,2010-02-05,2\n", True),    # unsorted, no dup
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n1,2,2010-02-06,2\n", False),   # weekday
    (b"Store,Dept,Date,Weekly_Sales\n1,1,1899-12-29,1.5\n", False),
    (b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n\n", False),                   # blank line
    (b"Store,Dept,Date,Weekly_Sales\n", False),
    (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1.5, TRUE\n", False),
    (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1, 2010-02-05 ,1.5,\n", True),        # padded date, empty bool
    (b"Store,Dept,Date,Weekly_Sales,Notes\n1,1,2010-02-05,1.5,Index x\n", False),
])
def test_fast_path_decisions(data, taken):
    fast, slow, t = _both(data)
    assert t is taken
    _assert_same(fast, slow, data)


def test_long_lines_go_to_general_path():
    limits = ParseLimits(max_field_chars=40)
    data = b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n1,2,2010-02-05," + b"0" * 50 + b"1.5\n"
    fast, slow, t = _both(data, limits=limits)
    assert not t and not fast.ok and "too long" in fast.errors[0]["reason"] and fast.errors[0]["line"] == 3
    _assert_same(fast, slow)
    padded = b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05" + b" " * 50 + b",1.5\n"  # fine once trimmed
    fast, slow, t = _both(padded, limits=limits)
    assert not t and fast.ok
    _assert_same(fast, slow)


def test_many_rows_unsorted_with_duplicate_far_apart():
    rng = np.random.default_rng(0)
    n = 5000
    stores = rng.integers(1, 50, n)
    depts = rng.integers(1, 100, n)
    weeks = rng.integers(0, 100, n)
    rows = sorted({(int(s), int(d), int(w)) for s, d, w in zip(stores, depts, weeks)}, key=lambda _: rng.random())
    dates = np.datetime64("2010-02-05") + np.array([w for _, _, w in rows]) * 7
    lines = [f"{s},{d},{day},{i * 0.25}" for i, ((s, d, _), day) in enumerate(zip(rows, dates))]
    good = ("Store,Dept,Date,Weekly_Sales\n" + "\n".join(lines) + "\n").encode()
    fast, slow, t = _both(good)
    assert t and fast.ok
    _assert_same(fast, slow)
    bad = good + (lines[10].rsplit(",", 1)[0] + ",9\n").encode()
    fast, slow, t = _both(bad)
    assert not t and not fast.ok and "duplicate" in fast.errors[0]["reason"]
    _assert_same(fast, slow)
