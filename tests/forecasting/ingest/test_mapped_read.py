"""Issue 17, item 5 (reading a whole file with its confirmed mapping): CSV with semicolons and decimal
commas, CSV.gz, XLSX and Parquet give the same rows; every bad cell is reported with its line, its column
as the file names it, the value and the reason. Pure: no database."""
from __future__ import annotations

import csv
import gzip
import io
from datetime import date, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from forecasting.ingest.mapping import parse_mapping, propose
from forecasting.ingest.mapping.read import FileFormatError, read_mapped
from tests.conftest import WALMART_DIR
from tests.forecasting.ingest.test_mapping import _walmart_rewrite


@pytest.fixture(scope="module")
def walmart_rows():
    with open(WALMART_DIR / "train.csv", newline="") as fh:
        return [r for _, r in zip(range(3000), csv.DictReader(fh))]


def _xlsx(frame: pd.DataFrame) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return out.getvalue()


@pytest.mark.walmart
def test_walmart_rewritten_reads_back_to_walmarts_rows_in_every_format(walmart_rows):
    data = _walmart_rewrite(walmart_rows)
    mapping = propose(data).mapping
    csv_read = read_mapped(data, mapping)
    assert csv_read.error_count == 0 and csv_read.rows == len(walmart_rows)
    f = csv_read.frame
    assert list(f["location"][:2]) == ["S-001", "S-001"] and f["item"].iloc[0] == "D-01"
    expected_dates = [datetime.strptime(r["Date"], "%Y-%m-%d").date() - timedelta(days=6) for r in walmart_rows]
    assert list(f["date"]) == expected_dates
    assert f["measure"].to_numpy() == pytest.approx([round(float(r["Weekly_Sales"]), 2) for r in walmart_rows])
    assert list(f["event"]) == [r["IsHoliday"] == "TRUE" for r in walmart_rows]

    gz = read_mapped(gzip.compress(data), mapping)
    assert gz.format == "csv.gz" and gz.frame.equals(f)

    typed = pd.DataFrame({"store_code": f["location"], "product_group": f["item"],
                          "week_start": [datetime.combine(d, datetime.min.time()) for d in f["date"]],
                          "units_sold": f["measure"], "holiday": f["event"].astype(int)})
    for fmt, blob in (("xlsx", _xlsx(typed)), ("parquet", _parquet(typed))):
        got = read_mapped(blob, mapping)  # the mapping says decimal ','; typed cells keep their numbers
        assert got.format == fmt and got.error_count == 0, got.errors[:3]
        assert list(got.frame["date"]) == expected_dates
        assert got.frame["measure"].to_numpy() == pytest.approx(f["measure"].to_numpy())


def test_every_bad_cell_is_named_by_line_column_and_reason():
    data = ("Filiale;Artikel;Tag;Menge;Preis;Geöffnet\n"
            "BER-01;A1;01.03.2024;5;2,49;1\n"
            "BER-01;A1;02.03.2024;zwei;2,49;1\n"          # line 3: not a number
            ";A1;03.03.2024;4;2,49;1\n"                     # line 4: no store code
            "BER-01;A1;31.02.2024;4;2,49;1\n"               # line 5: no such day
            f"{'X' * 65};A1;04.03.2024;4;2,49;1\n"          # line 6: a code too long
            "BER-01;A1;01.03.2024;6;2,49;1\n"               # line 7: the same store, item and day as line 2
            "BER-01;A1;05.03.2024;;2,49;vielleicht\n"       # line 8: no measure; open is not yes/no
            "BER-01;A1;06.03.2024;0;;0\n").encode("cp1252")  # line 9: closed, no price: fine
    mapping = parse_mapping({"columns": {"Filiale": "location", "Artikel": "item", "Tag": "date", "Menge": "measure",
                                         "Preis": "covariate:price:known", "Geöffnet": "open"},
                             "decimal": ",", "delimiter": ";", "date_format": "%d.%m.%Y"})
    got = read_mapped(data, mapping)
    found = {(e["line"], e["column"]): e["reason"] for e in got.errors}
    assert found == {
        (3, "Menge"): "not a number (decimal comma)",
        (4, "Filiale"): "an empty location code",
        (5, "Tag"): "not a date (expected 31.03.2024)",
        (6, "Filiale"): "a location code is at most 64 characters",
        (7, "Filiale, Artikel, Tag"): "the same location and item and date as line 2",
        (8, "Menge"): "no value (a closed day is 'open' = 0, not an empty measure)",
        (8, "Geöffnet"): "not a yes/no value (1/0, true/false, yes/no)",
    }
    assert got.error_count == 7 and got.rows == 8
    assert got.frame.loc[7, "open"] == False and pd.isna(got.frame.loc[7, "covariate:price:known"])  # noqa: E712


def test_a_file_that_is_not_what_the_mapping_says():
    mapping = parse_mapping({"columns": {"store": "location", "day": "date", "units": "measure"}})
    with pytest.raises(FileFormatError, match="no column 'units'"):
        read_mapped(b"store,day,qty\n1,2024-01-01,3\n", mapping)
    with pytest.raises(FileFormatError, match="not a readable Excel .xlsx workbook"):
        read_mapped(b"PK\x03\x04broken", mapping)
    assert date(2024, 1, 1) == read_mapped(b"store,day,units\n1,2024-01-01,3\n", mapping).frame["date"].iloc[0]
