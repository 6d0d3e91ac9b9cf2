"""Unit tests for forecasting.ingest.parsing (plain pytest, no Django)."""
import gzip
import io
import json
import random
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.ingest import parsing
from forecasting.ingest.parsing import (
    COPY_COLUMNS,
    KINDS,
    IngestError,
    ParseLimits,
    ParseResult,
    iter_copy_csv,
    parse_upload,
    to_copy_csv,
)

CORPUS = Path(__file__).with_name("corpus")
HDR = "Store,Dept,Date,Weekly_Sales,IsHoliday"


def parse_text(text, kind=None, **kw):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_upload(io.BytesIO(data), "upload.csv", kind=kind, **kw)


def sales_text(rows, hdr=HDR, end="\n"):
    return end.join([hdr, *rows]) + end


# ---------------------------------------------------------------------------- API surface


def test_public_api():
    assert KINDS == ("sales", "features", "stores")
    lim = ParseLimits()
    assert (lim.max_bytes, lim.max_decompressed_bytes, lim.max_rows, lim.max_columns,
            lim.max_field_chars, lim.max_errors_reported) == (
        200 * 1024 * 1024, 500 * 1024 * 1024, 5_000_000, 200, 10_000, 1000)
    res = parse_text(sales_text(["1,1,2010-02-05,5,FALSE"]))
    assert isinstance(res, ParseResult)
    json.dumps(res.summary())  # JSON-serialisable
    assert res.first_error is None


@pytest.mark.parametrize("kwargs", [{"kind": "train"}, {"weekday": 7}, {"weekday": -1},
                                    {"weekday": "4"}, {"weekday": True},
                                    {"limits": {"max_rows": 3}}])
def test_programmer_errors_raise(kwargs):
    with pytest.raises(IngestError):
        parse_upload(io.BytesIO(b"a,b\n1,2\n"), "x.csv", **kwargs)


def test_missing_path_and_bad_source_raise(tmp_path):
    with pytest.raises(IngestError):
        parse_upload(tmp_path / "nope.csv", "nope.csv")
    with pytest.raises(IngestError):
        parse_upload(12345, "x.csv")


def test_accepts_path_str_bytes_and_fileobj(tmp_path):
    text = sales_text(["1,1,2010-02-05,5,FALSE", "1,1,2010-02-12,6,TRUE"])
    p = tmp_path / "s.csv"
    p.write_text(text)

    class Upload:  # Django UploadedFile-like: only read(n)
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def read(self, n=-1):
            return self._b.read(n)

    for src in (p, str(p), text.encode(), bytearray(text.encode()), io.BytesIO(text.encode()),
                Upload(text.encode())):
        res = parse_upload(src, "s.csv")
        assert res.ok and len(res.frame) == 2, (type(src), res.errors)


def test_size_limit_on_fileobj_without_reading_everything():
    class Endless:
        def __init__(self):
            self.served = 0

        def read(self, n=-1):
            self.served += n
            return b"1" * n

    src = Endless()
    res = parse_upload(src, "x.csv", limits=ParseLimits(max_bytes=1000))
    assert not res.ok and "larger than the upload limit" in res.errors[0]["reason"]
    assert src.served <= 2000


# ---------------------------------------------------------------------------- frames


def test_sales_frame_dtypes_and_values():
    res = parse_text(sales_text(["1,2,2010-02-05,24924.5,FALSE", "1,2,2010-02-12,-3,TRUE",
                                 "3,4,2010-02-05,0,false"]))
    assert res.ok and res.kind == "sales" and res.weekday == 4 and res.rows_total == 3
    f = res.frame
    assert list(f.columns) == ["store", "dept", "date", "sales", "is_holiday"]
    assert f.dtypes.astype(str).to_dict() == {
        "store": "int64", "dept": "int64", "date": "datetime64[ns]", "sales": "float64",
        "is_holiday": "bool"}
    assert f["date"].tolist() == [pd.Timestamp("2010-02-05"), pd.Timestamp("2010-02-12"),
                                  pd.Timestamp("2010-02-05")]
    assert f["sales"].tolist() == [24924.5, -3.0, 0.0]
    assert f["is_holiday"].tolist() == [False, True, False]
    assert res.stats["negative_sales"] == 1 and res.stats["zero_sales"] == 1
    assert res.column_map == {"store": "Store", "dept": "Dept", "date": "Date",
                              "sales": "Weekly_Sales", "is_holiday": "IsHoliday"}


def test_features_frame():
    text = ("Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,"
            "CPI,Unemployment,IsHoliday\n"
            "1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.0963582,8.106,FALSE\n"
            "2,2010-02-05,-5,2.5,1,2,3,4,5,NA,NA,TRUE\n")
    res = parse_text(text)
    assert res.ok and res.kind == "features"
    f = res.frame
    assert list(f.columns) == list(COPY_COLUMNS["features"])
    for c in ["temperature", "fuel_price", "markdown1", "markdown5", "cpi", "unemployment"]:
        assert f[c].dtype == np.float64
    assert f["store"].dtype == np.int64 and f["is_holiday"].dtype == bool
    assert np.isnan(f.loc[0, "markdown1"]) and f.loc[1, "markdown5"] == 5.0
    assert np.isnan(f.loc[1, "cpi"]) and f.loc[0, "cpi"] == 211.0963582
    assert res.stats["missing"]["markdown1"] == 1


def test_stores_frame_optional_columns():
    res = parse_text("Store,Type,Size\r1,A,151315\r2,B,37392")
    assert res.ok and res.kind == "stores" and res.weekday is None
    f = res.frame
    assert list(f.columns) == ["store", "type", "size", "name", "latitude", "longitude"]
    assert f["store"].dtype == np.int64 and f["size"].dtype == np.int64
    assert f["type"].tolist() == ["A", "B"] and f["name"].tolist() == [None, None]
    assert f["latitude"].isna().all()
    res = parse_text("store_id,store_type,sqft,name,lat,lng\n1,A,100,\"Main, St\",1.5,-2\n")
    assert res.ok and res.frame.loc[0, "name"] == "Main, St" and res.frame.loc[0, "longitude"] == -2


def test_stores_weekday_passthrough():
    res = parse_text("Store,Type,Size\n1,A,10\n", weekday=4)
    assert res.ok and res.weekday == 4


# ---------------------------------------------------------------------------- kinds


def test_kind_detection_and_mismatch():
    assert parse_text(sales_text(["1,1,2010-02-05,5,FALSE"])).kind == "sales"
    res = parse_text(sales_text(["1,1,2010-02-05,5,FALSE"]), kind="stores")
    assert not res.ok and res.kind == "stores"
    reasons = [e["reason"] for e in res.errors]
    assert any("missing required column 'type'" in r for r in reasons)
    assert any("missing required column 'size'" in r for r in reasons)
    assert all("looks like a sales file" in r for r in reasons)
    assert all(e["line"] == 1 for e in res.errors)


def test_header_after_leading_blank_lines_is_line_3():
    res = parse_text("\n\n" + sales_text(["1,1,2010-02-05,x,FALSE"]))
    assert res.errors[0]["line"] == 4


# ---------------------------------------------------------------------------- rows


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_line_numbers_for_all_line_endings(end):
    rows = ["1,1,2010-02-05,5,FALSE", "", "1,1,2010-02-12,oops,FALSE", "1,1,2010-02-19,5,FALSE"]
    res = parse_text(sales_text(rows, end=end))
    assert not res.ok
    assert res.errors == [{"line": 4, "column": "Weekly_Sales", "value": "oops",
                           "reason": "not a number"}]


def test_line_numbers_quoted_multiline():
    text = 'Store,Type,Size,Name\r\n1,A,10,"a\r\nb\r\nc"\r\n2,B,x,"q"\r\n'
    res = parse_text(text)
    assert res.errors[0]["line"] == 5 and res.errors[0]["column"] == "Size"


def test_errors_sorted_by_line_then_column_and_capped():
    rows = [f"{'x' if i % 2 else 1},{i + 1},2010-02-{5 + 7 * (i % 3):02d},{'y' if i % 3 else 1},FALSE"
            for i in range(30)]
    res = parse_text(sales_text(rows), limits=ParseLimits(max_errors_reported=7))
    assert len(res.errors) == 7 and res.error_count > 7
    keys = [(e["line"], ["Store", "Dept", "Date", "Weekly_Sales"].index(e["column"]))
            for e in res.errors]
    assert keys == sorted(keys)


def test_weekday_inference_reference_is_most_common():
    rows = ["1,1,2010-02-05,1,FALSE", "1,1,2010-02-12,1,FALSE", "1,1,2010-02-14,1,FALSE"]
    res = parse_text(sales_text(rows))
    assert res.weekday == 4 and res.error_count == 1
    e = res.errors[0]
    assert (e["line"], e["column"], e["value"]) == (4, "Date", "2010-02-14")
    assert "Sunday" in e["reason"] and "Fridays" in e["reason"]


def test_explicit_weekday_accepts_matching_file():
    rows = ["1,1,2010-02-07,1,FALSE", "1,1,2010-02-14,1,FALSE"]
    assert parse_text(sales_text(rows), weekday=6).ok
    res = parse_text(sales_text(rows), weekday=4)
    assert res.error_count == 2 and res.weekday == 4


def test_duplicates_name_both_lines_vectorised():
    rows = [f"{s},{d},2010-02-05,1,FALSE" for s in range(1, 51) for d in range(1, 101)]
    rows += ["7,8,2010-02-05,2,FALSE", "50,100,2010-02-05,3,FALSE"]
    res = parse_text(sales_text(rows))
    assert res.error_count == 2
    first_line_78 = 2 + (7 - 1) * 100 + (8 - 1)
    assert res.errors[0]["line"] == len(rows) and str(first_line_78) in res.errors[0]["reason"]
    assert f"lines {first_line_78} and {len(rows)}" in res.errors[0]["reason"]


def test_rows_with_bad_keys_are_not_reported_as_duplicates():
    res = parse_text(sales_text(["x,1,2010-02-05,1,FALSE", "x,1,2010-02-05,1,FALSE"]))
    assert res.error_count == 2
    assert all(e["reason"] == "not a number" for e in res.errors)


@pytest.mark.parametrize("value,reason", [
    ("", "required value is empty"), ("abc", "not a number"), ("1.5", "not a whole number"),
    ("-2", "must not be negative"), ("3000000000", "number too large"),
    ("1e999", "number out of range"), ("inf", "not a finite number"),
])
def test_store_value_reasons(value, reason):
    res = parse_text(sales_text([f"{value},1,2010-02-05,1,FALSE"]))
    assert res.errors[0]["column"] == "Store" and reason in res.errors[0]["reason"]


def test_long_value_is_clipped_in_error():
    res = parse_text(sales_text(["1,1,2010-02-05," + "9" * 20_000 + "x,FALSE"]))
    err = res.errors[0]
    assert "value too long" in err["reason"] and len(err["value"]) <= 101


def test_unicode_utf8_accepted():
    res = parse_text("Store,Type,Size,Name\n1,A,10,Café Zürich — 東京\n")
    assert res.ok and res.frame.loc[0, "name"] == "Café Zürich — 東京"


def test_walmart_quirk_no_holiday_in_features_generic_names():
    res = parse_text("store,week_ending,temp\n1,2010-02-05,NA\n")
    assert res.ok and res.kind == "features" and np.isnan(res.frame.loc[0, "temperature"])


# ---------------------------------------------------------------------------- compression


def test_gzip_bomb_is_not_fully_inflated():
    tracemalloc.start()
    try:
        res = parse_upload(CORPUS / "bad_gzip_bomb.csv.gz", "bomb.csv.gz",
                           limits=ParseLimits(max_decompressed_bytes=5 * 1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not res.ok and "decompressed size exceeds" in res.errors[0]["reason"]
    assert peak < 20 * 1024 * 1024  # the bomb inflates to ~50 MB


def test_multi_member_gzip():
    part1 = gzip.compress((HDR + "\n1,1,2010-02-05,1,FALSE\n").encode(), mtime=0)
    part2 = gzip.compress(b"1,1,2010-02-12,2,TRUE\n", mtime=0)
    res = parse_upload(io.BytesIO(part1 + part2), "x.csv.gz")
    assert res.ok and len(res.frame) == 2 and res.stats["compression"] == "gzip"


def test_gz_name_without_gzip_content_warns():
    res = parse_text(sales_text(["1,1,2010-02-05,1,FALSE"]).encode())
    assert not res.warnings
    res = parse_upload(io.BytesIO(sales_text(["1,1,2010-02-05,1,FALSE"]).encode()), "x.csv.gz")
    assert res.ok and any(".gz" in w for w in res.warnings)


# ---------------------------------------------------------------------------- robustness


def test_mutated_corpus_never_raises():
    rnd = random.Random(1234)
    files = sorted(p for p in CORPUS.iterdir()
                   if p.suffix in (".csv", ".gz") and p.stat().st_size < 50_000)
    specials = [b",", b'"', b"\r", b"\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"NA", b";", b" "]
    limits = ParseLimits(max_decompressed_bytes=1024 * 1024)
    for i in range(300):
        data = bytearray(files[i % len(files)].read_bytes())
        for _ in range(rnd.randint(1, 6)):
            op = rnd.random()
            pos = rnd.randint(0, len(data))
            if op < 0.4:
                data[pos:pos] = rnd.choice(specials)
            elif op < 0.7 and data:
                del data[pos:pos + rnd.randint(1, 5)]
            else:
                data[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        res = parse_upload(io.BytesIO(bytes(data)), "m.csv", limits=limits,
                           kind=rnd.choice([None, *KINDS]))
        assert isinstance(res, ParseResult)
        assert res.ok == (res.error_count == 0)
        if not res.ok:
            assert res.errors and res.frame is None
            for e in res.errors:
                assert set(e) == {"line", "column", "value", "reason"} and e["reason"]


# ---------------------------------------------------------------------------- COPY helper


def test_to_copy_csv_sales():
    res = parse_text(sales_text(["1,2,2010-02-05,24924.5,FALSE", "1,2,2010-02-12,0.1,TRUE"]))
    buf = to_copy_csv(res.frame, "sales")
    assert isinstance(buf, io.BytesIO)
    assert buf.getvalue() == b"1,2,2010-02-05,24924.5,f\n1,2,2010-02-12,0.1,t\n"
    assert COPY_COLUMNS["sales"] == ("store", "dept", "date", "sales", "is_holiday")
    assert to_copy_csv(res.frame, "sales", header=True).getvalue().startswith(
        b"store,dept,date,sales,is_holiday\n")


def test_to_copy_csv_nulls_quoting_and_roundtrip():
    res = parse_text('Store,Type,Size,Name,Lat\n1,A,10,"Joe\'s ""Big"", Store",\n2,B,20,,45.5\n')
    assert res.ok
    out = to_copy_csv(res.frame, "stores").getvalue().decode()
    assert out == '1,A,10,"Joe\'s ""Big"", Store",,\n2,B,20,,45.5,\n'
    feats = parse_upload(CORPUS / "ok_features_na.csv", "f.csv").frame
    text = to_copy_csv(feats, "features").getvalue().decode()
    back = pd.read_csv(io.StringIO(text), header=None, names=COPY_COLUMNS["features"])
    assert back["markdown1"].isna().sum() == feats["markdown1"].isna().sum()
    assert back["cpi"].tolist()[:1] == feats["cpi"].tolist()[:1]
    assert text.splitlines()[0].endswith(",f") and ",,,,," in text.splitlines()[0]


def test_to_copy_csv_float_precision_roundtrip():
    vals = [0.1, 1 / 3, 1e-7, 123456789.123, -0.0]
    frame = pd.DataFrame({"store": 1, "dept": 1,
                          "date": pd.Timestamp("2010-02-05"), "sales": vals, "is_holiday": False})
    text = to_copy_csv(frame, "sales").getvalue().decode()
    back = [float(line.split(",")[3]) for line in text.splitlines()]
    assert back == vals


def test_iter_copy_csv_chunks_match():
    res = parse_upload(CORPUS / "ok_sales_basic.csv", "s.csv")
    assert b"".join(iter_copy_csv(res.frame, "sales", chunk_rows=4)) == \
        to_copy_csv(res.frame, "sales").getvalue()
    with pytest.raises(IngestError):
        to_copy_csv(res.frame, "stores")


# ---------------------------------------------------------------------------- real data


@pytest.mark.walmart
def test_real_train_correct(walmart_dir):
    res = parse_upload(walmart_dir / "train.csv", "train.csv")
    assert res.ok, res.errors[:5]
    assert res.kind == "sales" and res.rows_total == 383_040 and len(res.frame) == 383_040
    assert res.weekday == 4
    assert res.stats["negative_sales"] > 1000 and res.stats["zero_sales"] > 0
    assert res.stats["stores"] == 45 and res.stats["depts"] == 81
    assert res.stats["date_min"] == "2010-02-05" and res.stats["date_max"] == "2012-07-27"


@pytest.mark.walmart
def test_real_train_peak_memory(walmart_dir):
    tracemalloc.start()
    try:
        res = parse_upload(walmart_dir / "train.csv", "train.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.ok
    assert peak < 300 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"


@pytest.mark.walmart
def test_real_features_and_stores(walmart_dir):
    f = parse_upload(walmart_dir / "features.csv", "features.csv")
    assert f.ok and f.kind == "features" and len(f.frame) == 8190 and f.weekday == 4
    assert f.stats["missing"]["markdown1"] > 0 and f.stats["missing"]["cpi"] > 0
    s = parse_upload(walmart_dir / "stores.csv", "stores.csv")
    assert s.ok and s.kind == "stores" and len(s.frame) == 45
    assert s.stats["types"] == {"A": 22, "B": 17, "C": 6}
    with open(walmart_dir / "stores.csv", "rb") as fh:  # file object input
        assert parse_upload(fh, "stores.csv", kind="stores").ok


@pytest.mark.walmart
def test_real_test_csv_rejected_clearly(walmart_dir):
    res = parse_upload(walmart_dir / "test.csv", "test.csv")
    assert not res.ok and "no sales column" in res.errors[0]["reason"]


@pytest.mark.walmart
def test_real_features_gzipped(walmart_dir, tmp_path):
    gz = tmp_path / "features.csv.gz"
    gz.write_bytes(gzip.compress((walmart_dir / "features.csv").read_bytes(), mtime=0))
    res = parse_upload(gz, gz.name)
    assert res.ok and len(res.frame) == 8190
    res = parse_upload(gz, gz.name, limits=ParseLimits(max_decompressed_bytes=100_000))
    assert not res.ok and "decompressed size exceeds" in res.errors[0]["reason"]


@pytest.mark.walmart
def test_real_train_duplicate_rows_detected(walmart_dir):
    data = (walmart_dir / "train.csv").read_bytes()
    lines = data.split(b"\n")
    data += lines[100] + b"\n"  # line 101 duplicated at the end
    res = parse_upload(data, "train.csv")
    assert res.error_count == 1
    assert "lines 101 and 383042" in res.errors[0]["reason"]


def test_fast_path_agrees_with_csv_module_path(monkeypatch):
    """Differential test: numpy/pandas fast path vs the exact csv-module path."""
    from forecasting.ingest import reader

    class Exact(reader.CsvReader):
        def __init__(self, *a):
            super().__init__(*a)
            self.use_csv_module = True

    rnd = random.Random(99)
    files = sorted(p for p in CORPUS.iterdir() if p.suffix == ".csv"
                   and p.stat().st_size < 50_000 and b"\x00" not in p.read_bytes())
    specials = [b",", b"\r", b"\n", b"\r\n", b'"', b'""', b'","', b'"\n"', b"NA", b" ", b"\t",
                b"1", b"-", b".", b"2010-02-12", b"x"]
    for i in range(400):
        data = bytearray(files[i % len(files)].read_bytes())
        for _ in range(rnd.randint(0, 4)):
            pos = rnd.randint(0, len(data))
            if rnd.random() < 0.6:
                data[pos:pos] = rnd.choice(specials)
            else:
                del data[pos:pos + rnd.randint(1, 3)]
        data = bytes(data)
        kind = rnd.choice([None, *KINDS])
        fast = parse_upload(data, "f.csv", kind=kind)
        with monkeypatch.context() as m:
            m.setattr(parsing, "CsvReader", Exact)
            exact = parse_upload(data, "f.csv", kind=kind)
        summary = lambda r: (r.ok, r.kind, r.errors, r.error_count, r.warnings, r.rows_total,
                             r.weekday)
        assert summary(fast) == summary(exact), data[:200]
        if fast.ok:
            pd.testing.assert_frame_equal(fast.frame, exact.frame)
