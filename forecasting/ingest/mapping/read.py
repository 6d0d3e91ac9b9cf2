"""A retailer's whole file read with its confirmed mapping: CSV (any delimiter, decimal comma, quoted
fields, BOM, UTF-8 or Windows-1252), CSV.gz, XLSX or Parquet -> one column per role, every cell checked.
A bad cell is reported with its line (the header is line 1), its column as the file names it, the value
and the reason; nothing of a file with errors is meant to be stored. Pure Python and pandas, no Django.
``read_mapped`` reads a file whole; ``read_mapped_chunks`` reads a plain text file chunk by chunk (bounded
memory: the mapped daily path of forecasting/services/mapped_stream.py), each chunk checked the same way
with its own lines."""
from __future__ import annotations

import codecs
import gzip
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd
import pyarrow.parquet as pq
from openpyxl import load_workbook

from forecasting.ingest.mapping.dialect import decode, to_number
from forecasting.ingest.mapping.roles import Mapping

MAX_CODE = 64
MAX_TEXT = 200
MAX_ERRORS = 1000
TRUE = {"1", "true", "yes", "y", "t", "open"}
FALSE = {"0", "false", "no", "n", "f", "closed"}
EMPTY = {"", "na", "nan", "null", "none"}


class FileFormatError(ValueError):
    """The file as a whole cannot be read (not a format we read, a broken archive, no header)."""


@dataclass
class MappedFile:
    frame: pd.DataFrame  # one column per role (attribute and covariate roles keep their full names)
    rows: int
    errors: list[dict] = field(default_factory=list)  # the first MAX_ERRORS {line, column, value, reason}
    error_count: int = 0
    format: str = "csv"

    def add_errors(self, rows: list[tuple[int, str, object]], reason: str, total: int | None = None) -> None:
        """``rows``: (line, column, value) of bad cells (the first ones suffice); ``total``: how many in all."""
        self.error_count += len(rows) if total is None else total
        for line, column, value in rows[: MAX_ERRORS - len(self.errors)]:
            self.errors.append({"line": line, "column": column, "value": str(value)[:100], "reason": reason})


def read_mapped(data: bytes, mapping: Mapping, *, max_decompressed: int = 2 << 30) -> MappedFile:
    table, fmt = _table(data, mapping, max_decompressed)
    return check_table(table, mapping, fmt)


def check_table(table: pd.DataFrame, mapping: Mapping, fmt: str) -> MappedFile:
    """``table`` (text cells; its index + 2 is each row's line) -> one checked column per role."""
    typed = fmt in ("xlsx", "parquet")
    if typed:  # typed cells were written with a decimal point
        mapping = replace(mapping, decimal=".")
    missing = [h for h in mapping.columns if h not in table.columns]
    if missing:
        raise FileFormatError(f"the file has no column {', '.join(map(repr, missing))} that the mapping names")
    out = MappedFile(frame=pd.DataFrame(index=table.index), rows=len(table), format=fmt)
    lines = pd.Series(table.index + 2, index=table.index)
    for header, role in mapping.columns.items():
        if role == "ignore":
            continue
        out.frame[role] = _column(table[header], header, role, mapping, lines, out, typed)
    _duplicates(out, mapping, lines)
    return out


def _table(data: bytes, mapping: Mapping, max_decompressed: int) -> tuple[pd.DataFrame, str]:
    if data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            data = gz.read(max_decompressed + 1)
        if len(data) > max_decompressed:
            raise FileFormatError("the decompressed file is larger than the plan allows")
        return _csv(data, mapping), "csv.gz"
    if data[:4] == b"PAR1":
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
        return frame.apply(lambda c: c.map(_cell)), "parquet"
    if data[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise FileFormatError(f"not a readable Excel .xlsx workbook ({exc})") from None
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        if not rows:
            raise FileFormatError("the workbook's first sheet is empty")
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return pd.DataFrame([[_cell(v) for v in r] for r in rows[1:]], columns=header), "xlsx"
    return _csv(data, mapping), "csv"


def _csv(data: bytes, mapping: Mapping) -> pd.DataFrame:
    text = decode(data)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=mapping.delimiter or ",", dtype=str, keep_default_na=False,
                            skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise FileFormatError(f"the file is not a {mapping.delimiter or ','}-separated text file ({exc})") from None
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def text_encoding(path: str) -> str:
    """``decode``'s choice for a whole file, read in blocks: UTF-8 (its byte order mark dropped), else
    Windows-1252."""
    dec = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
        fh.seek(3 if bom else 0)
        try:
            while block := fh.read(16 << 20):
                dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig" if bom else "utf-8"


def read_mapped_chunks(path: str, mapping: Mapping, *, rows: int = 200_000) -> Iterator[MappedFile]:
    """A plain text file (not compressed) read ``rows`` rows at a time, each chunk checked as
    ``read_mapped`` checks a whole file (lines count from the file's start; duplicates within a chunk)."""
    try:
        reader = pd.read_csv(path, sep=mapping.delimiter or ",", dtype=str, keep_default_na=False,
                             skipinitialspace=False, encoding=text_encoding(path), chunksize=rows)
        start = 0
        for table in reader:
            table.columns = [c.strip() for c in table.columns]
            table.index = pd.RangeIndex(start, start + len(table))
            start += len(table)
            yield check_table(table, mapping, "csv")
    except pd.errors.ParserError as exc:
        raise FileFormatError(f"the file is not a {mapping.delimiter or ','}-separated text file ({exc})") from None


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    """``to_number`` of each cell, vectorised (cells it reads otherwise are read by it, one by one)."""
    plain = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False) if decimal == "," \
        else text.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(plain, errors="coerce").astype(float)
    odd = numbers.isna()
    if odd.any():
        numbers[odd] = text[odd].map(lambda v: to_number(v, decimal)).astype(float)
    return numbers


def _cell(value) -> str:
    """A typed cell (XLSX, Parquet) as text: dates in ISO, numbers with a decimal point."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):  # pandas' Timestamp too
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _column(raw: pd.Series, header: str, role: str, mapping: Mapping, lines: pd.Series, out: MappedFile,
            typed: bool = False):
    text = raw.astype(str).str.strip()
    empty = text.str.lower().isin(EMPTY)
    if role in ("location", "item"):
        _flag(out, empty, lines, header, text, f"an empty {role} code")
        _flag(out, text.str.len() > MAX_CODE, lines, header, text, f"a {role} code is at most {MAX_CODE} characters")
        return text
    if role == "date":
        fmt = mapping.date_format or "%Y-%m-%d"
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if typed:  # a workbook's date cells read as ISO text; its text cells in the mapping's format
            parsed = parsed.fillna(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))
        _flag(out, parsed.isna(), lines, header, text, f"not a date (expected {_example(fmt)})")
        return parsed.dt.date
    if role == "measure" or role.startswith("covariate:"):
        numbers = _numbers(text, mapping.decimal).where(~empty)
        bad = numbers.isna() & ~empty
        _flag(out, bad, lines, header, text, "not a number" + (" (decimal comma)" if mapping.decimal == "," else ""))
        if role == "measure":
            _flag(out, empty, lines, header, text, "no value (a closed day is 'open' = 0, not an empty measure)")
        return numbers.astype(float)
    if role in ("open", "event.transferred") or (role == "event" and _is_flag(text[~empty])):
        lower = text.str.lower()
        _flag(out, ~lower.isin(TRUE | FALSE), lines, header, text, "not a yes/no value (1/0, true/false, yes/no)")
        return lower.isin(TRUE)
    _flag(out, text.str.len() > MAX_TEXT, lines, header, text, f"at most {MAX_TEXT} characters")
    return text.where(~empty, "")


def _is_flag(values: pd.Series) -> bool:
    return bool(len(values)) and values.str.lower().isin(TRUE | FALSE).all()


def _flag(out: MappedFile, mask: pd.Series, lines: pd.Series, header: str, values: pd.Series, reason: str) -> None:
    total = int(mask.sum())
    if total:
        first = mask[mask].index[:MAX_ERRORS]
        out.add_errors([(int(lines[i]), header, values[i]) for i in first], reason, total)


def _duplicates(out: MappedFile, mapping: Mapping, lines: pd.Series) -> None:
    keys = [r for r in ("location", "item", "date") if r in out.frame]
    if mapping.kind not in ("sales", "locations", "items") or not keys:
        return
    complete = out.frame[keys].notna().all(axis=1)  # a key that did not read is reported already
    dup = out.frame.duplicated(subset=keys, keep="first") & complete
    if dup.any():
        first = out.frame[out.frame.duplicated(subset=keys, keep=False) & ~dup & complete].assign(line=lines)
        first_line = {tuple(r[k] for k in keys): r["line"] for _, r in first.iterrows()}
        columns = ", ".join(h for h, r in mapping.columns.items() if r in keys)
        for i in dup[dup].index[:MAX_ERRORS]:
            key = tuple(out.frame.loc[i, k] for k in keys)
            out.add_errors([(int(lines[i]), columns, " / ".join(map(str, key)))],
                           f"the same {' and '.join(keys)} as line {first_line[key]}")
        out.error_count += max(0, int(dup.sum()) - MAX_ERRORS)


def _example(fmt: str) -> str:
    return date(2024, 3, 31).strftime(fmt)


def sample_csv(data: bytes, rows: int = 200) -> bytes:
    """The first ``rows`` rows of an XLSX or Parquet file as comma-separated text (for a proposal);
    a text file's own first bytes otherwise."""
    if data[:4] not in (b"PAR1", b"PK\x03\x04"):
        return data
    table, _ = _table(data, Mapping(columns={}), 2 << 30)
    return table.head(rows).to_csv(index=False).encode()
