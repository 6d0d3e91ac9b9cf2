"""The fast chunked reader (forecasting/ingest/mapping/fastread.py) gives the general chunked reader's
chunks exactly: the same typed values, and for a chunk with a bad cell or a repeated key the same errors;
a file it cannot split as pandas does raises ``Restart``. Pure: no database."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.ingest.mapping import fastread, parse_mapping
from forecasting.ingest.mapping.fastread import Restart, fast_chunks
from forecasting.ingest.mapping.read import read_mapped_chunks

SALES = {"columns": {"store": "location", "sku": "item", "date": "date", "units": "measure",
                     "price": "covariate:price:known", "promo": "covariate:promo:known", "note": "ignore"},
         "delimiter": ";", "decimal": ","}


def _rows(n: int, start: int = 0) -> list[str]:
    return [f"ST-{i % 3};SKU-{i // 40};2024-{1 + (i % 40) // 28:02d}-{1 + (i % 40) % 28:02d};{i % 7};"
            f"{i % 5},{i % 100:02d};{i % 2};n{i}" for i in range(start, start + n)]


def _file(tmp_path, lines: list[str], header: str = "store;sku;date;units;price;promo;note", name="f.csv",
          encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return str(path)


def _same(path: str, mapping: dict, rows: int = 7) -> list:
    m = parse_mapping(mapping)
    fast, slow = list(fast_chunks(path, m, rows=rows)), list(read_mapped_chunks(path, m, rows=rows))
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert (a.rows, a.errors, a.error_count) == (b.rows, b.errors, b.error_count)
        assert list(a.frame.columns) == list(b.frame.columns) and (a.frame.index == b.frame.index).all()
        for c in a.frame.columns:
            x, y = a.frame[c], b.frame[c]
            if c == "date":
                x, y = pd.to_datetime(x), pd.to_datetime(y)
            if x.dtype == float:
                assert (x.to_numpy().view(np.int64) == y.to_numpy().view(np.int64)).all(), c
            else:
                assert list(x.astype(object)) == list(y.astype(object)), c
    return fast


def test_clean_file_same_chunks(tmp_path):
    chunks = _same(_file(tmp_path, _rows(50)), SALES)
    assert sum(c.rows for c in chunks) == 50 and not any(c.error_count for c in chunks)


@pytest.mark.parametrize("bad", ["ST-1;SKU-1;2024-13-01;1;1,0;0;x", "ST-1;SKU-1;2024-01-01;;1,0;0;x",
                                 "ST-1;SKU-1;2024-01-01;1,5x;1,0;0;x", " ST-1;SKU-1;2024-01-01;1;1;0;x",
                                 "NA;SKU-1;2024-01-01;1;1;0;x", "ST-1;SKU-1;2024-01-01;1;1.234,5;-0;x",
                                 "ST-0;SKU-0;2024-01-01;9;1;0;dup", "ST-0;SKU-0;2024-01-16;5;1;0;dup",
                                 "ST-1;SKU-1;2024-01-01;1;;null;x"])
def test_odd_cells_in_a_later_chunk_read_as_the_general_reader_reads_them(tmp_path, bad):
    rows = _rows(30)
    rows.insert(17, bad)
    _same(_file(tmp_path, rows), SALES)


def test_other_date_format_open_column_and_decimal_point(tmp_path):
    mapping = {"columns": {"s": "location", "d": "date", "q": "measure", "o": "open"}, "date_format": "%d/%m/%Y"}
    lines = [f"A{i % 2},{1 + i // 2:02d}/03/2024,{i}.5,{['yes', 'no', '1', 'Closed'][i % 4]}" for i in range(20)]
    _same(_file(tmp_path, lines, header="s,d,q,o"), mapping)


@pytest.mark.parametrize("lines", [['"ST-1";SKU-1;2024-01-01;1;1;0;x'], ["ST-1;SKU-1;2024-01-01;1;1;0"],
                                   ["ST-1;SKU-1;2024-01-01;1;1;0;x;extra"], []])
def test_files_pandas_splits_otherwise_restart(tmp_path, lines):
    path = _file(tmp_path, _rows(20) + lines if lines else [])
    with pytest.raises(Restart):
        list(fast_chunks(path, parse_mapping(SALES), rows=7))


def test_windows_1252_restarts(tmp_path):
    path = _file(tmp_path, _rows(5) + ["Café;SKU-1;2024-01-01;1;1;0;x"], encoding="cp1252")
    with pytest.raises(Restart):
        list(fast_chunks(path, parse_mapping(SALES), rows=7))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_small_blocks_and_crlf_give_the_same_chunks(tmp_path, monkeypatch, newline):
    monkeypatch.setattr(fastread, "_BLOCK", 100)  # blocks end inside rows: each is cut after its last newline
    rows = _rows(60)
    rows.insert(33, "")  # a blank line is skipped by both
    path = tmp_path / "f.csv"
    path.write_bytes(newline.join(["store;sku;date;units;price;promo;note", *rows, ""]).encode())
    _same(str(path), SALES)
