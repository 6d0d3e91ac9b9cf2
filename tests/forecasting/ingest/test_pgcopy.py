"""Binary COPY encoding of normalised sales frames (forecasting.ingest.pgcopy)."""
from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from forecasting.ingest.parsing import parse_upload
from forecasting.ingest.pgcopy import (
    HEADER,
    TRAILER,
    CopyFormatError,
    binary_supported,
    from_copy_binary,
    to_copy_binary,
)


def _frame():
    return pd.DataFrame({
        "store": np.array([1, 2147483647], dtype=np.int64), "dept": np.array([0, 72], dtype=np.int64),
        "date": pd.to_datetime(["2010-02-05", "1999-12-31"]).astype("datetime64[ns]"),
        "sales": np.array([24924.5, -0.0]), "is_holiday": np.array([False, True])})


def test_layout_matches_postgres_binary_copy_format():
    out = bytes(to_copy_binary(_frame(), "sales"))
    assert out.startswith(b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8) and out.endswith(b"\xff\xff")

    def row(store, dept, days, sales, hol):
        return (struct.pack(">h", 5) + struct.pack(">ii", 4, store) + struct.pack(">ii", 4, dept)
                + struct.pack(">ii", 4, days) + struct.pack(">id", 8, sales) + struct.pack(">ib", 1, hol))

    # 2010-02-05 is day 3688 after 2000-01-01; 1999-12-31 is day -1
    assert out == HEADER + row(1, 0, 3688, 24924.5, 0) + row(2147483647, 72, -1, -0.0, 1) + TRAILER


def test_round_trip_and_row_subset():
    f = _frame()
    back = from_copy_binary(to_copy_binary(f, "sales"), "sales")
    assert back["store"].tolist() == [1, 2147483647] and back["dept"].tolist() == [0, 72]
    assert (back["date"] == f["date"].to_numpy().astype("datetime64[D]").astype(np.int64)).all()
    assert back["sales"].tobytes() == f["sales"].to_numpy().tobytes()
    assert back["is_holiday"].tolist() == [False, True]
    sub = from_copy_binary(to_copy_binary(f, "sales", rows=np.array([1])), "sales")
    assert sub["store"].tolist() == [2147483647]
    empty = from_copy_binary(to_copy_binary(f.iloc[:0], "sales"), "sales")
    assert all(len(v) == 0 for v in empty.values())


def test_parsed_frame_is_supported():
    res = parse_upload(b"Store,Dept,Date,Weekly_Sales\n1,1,2010-02-05,1.5\n", "s.csv")
    assert res.ok and binary_supported(res.frame, "sales")


@pytest.mark.parametrize("change", ["nan_sales", "big_store", "negative_int_overflow", "object_date", "nat",
                                    "tz_date", "missing_column", "other_kind"])
def test_unsupported_frames_fall_back(change):
    f, kind = _frame(), "sales"
    if change == "nan_sales":
        f.loc[0, "sales"] = np.nan
    elif change == "big_store":
        f.loc[0, "store"] = 2**31
    elif change == "negative_int_overflow":
        f.loc[0, "dept"] = -2**31 - 1
    elif change == "object_date":
        f["date"] = f["date"].dt.date
    elif change == "nat":
        f.loc[0, "date"] = pd.NaT
    elif change == "tz_date":
        f["date"] = f["date"].dt.tz_localize("Europe/Paris")
    elif change == "missing_column":
        f = f.drop(columns=["is_holiday"])
    else:
        kind = "features"
    assert not binary_supported(f, kind)


def test_decoder_rejects_bad_streams():
    good = bytes(to_copy_binary(_frame(), "sales"))
    with pytest.raises(CopyFormatError):
        from_copy_binary(b"garbage" * 10, "sales")
    with pytest.raises(CopyFormatError):
        from_copy_binary(good[:-2], "sales")
    with pytest.raises(CopyFormatError):  # a NULL field makes rows variable-width
        from_copy_binary(good[:-2 - 5] + struct.pack(">i", -1) + TRAILER, "sales")
    tampered = bytearray(good)
    tampered[len(HEADER) + 2:len(HEADER) + 6] = struct.pack(">i", 8)  # wrong length of field 1
    with pytest.raises(CopyFormatError):
        from_copy_binary(bytes(tampered), "sales")
