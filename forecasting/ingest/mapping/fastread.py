"""A fast reader for ``read_mapped_chunks``'s plain text sales files (issue 17, acceptance 7): pyarrow's C++ CSV
reader splits the file into text columns, each chunk's columns are dictionary-encoded and only their distinct
values go through read.py's own cleaners (so a value reads exactly as it does there), then taken back to the
rows as typed columns (codes as categoricals, dates as datetime64, numbers as float64).

It only *accepts* a chunk when every distinct value is clean and no key repeats; any other chunk is checked by
``check_table`` on the same text, so every error message, value and line is the general reader's. A file it
cannot split exactly as pandas does (quotes, a row of the wrong width, a header pyarrow and pandas would name
differently, Windows-1252 text, roles other than codes, dates, numbers and yes/no) raises ``Restart`` (before
or after chunks went out): the caller starts again from the top with ``read_mapped_chunks``."""
from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from forecasting.ingest.mapping.read import (
    EMPTY,
    FALSE,
    MAX_CODE,
    TRUE,
    MappedFile,
    _numbers,
    check_table,
    text_encoding,
)
from forecasting.ingest.mapping.roles import Mapping

ENABLED = True
_BLOCK = 8 << 20


class Restart(Exception):
    """The file must be read by ``read_mapped_chunks`` from its start."""


def _accepts(role: str) -> bool:
    return role in ("location", "item", "date", "measure", "open", "ignore") or role.startswith("covariate:")


def _has_quote(path: str) -> bool:
    with open(path, "rb") as fh:
        while block := fh.read(16 << 20):
            if b'"' in block:
                return True
    return False


def _header(path: str, delimiter: str) -> list[str]:
    reader = pcsv.open_csv(path, read_options=pcsv.ReadOptions(block_size=1 << 16),
                           parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=False))
    return reader.schema.names


def _blocks(path: str) -> Iterator[bytes]:
    """The file in blocks of whole lines (a file without quotes: a line is a row), the header's first."""
    with open(path, "rb") as fh:
        rest = b""
        while block := fh.read(_BLOCK):
            block = rest + block
            end = block.rfind(b"\n") + 1
            if not end and b"\r" in block:
                raise Restart  # lines ended by a lone CR
            rest = block[end:]
            if block[:end].strip(b"\r\n"):
                yield block[:end]
        if rest.strip(b"\r\n"):
            yield rest


def fast_chunks(path: str, mapping: Mapping, *, rows: int) -> Iterator[MappedFile]:
    """``read_mapped_chunks(path, mapping, rows=rows)``'s chunks, or ``Restart``."""
    delimiter = mapping.delimiter or ","
    if (not ENABLED or len(delimiter) != 1 or not all(_accepts(r) for r in mapping.columns.values())
            or text_encoding(path) == "cp1252" or _has_quote(path)):
        raise Restart
    try:
        raw = _header(path, delimiter)
        names = [c.strip() for c in raw]
        used = [h for h, r in mapping.columns.items() if r != "ignore"]
        if len(set(names)) != len(names) or any(h not in names for h in mapping.columns):
            raise Restart
        include = [raw[names.index(h)] for h in used]
        parse = pcsv.ParseOptions(delimiter=delimiter, quote_char=False, newlines_in_values=False)
        convert = pcsv.ConvertOptions(column_types={c: pa.string() for c in include}, include_columns=include,
                                      strings_can_be_null=False)
        pending, start, schema = [], 0, None
        for i, block in enumerate(_blocks(path)):
            table = pcsv.read_csv(io.BytesIO(block), parse_options=parse, convert_options=convert,
                                  read_options=pcsv.ReadOptions(block_size=2 * _BLOCK,
                                                                column_names=raw if i else None))
            schema = schema or table.schema
            pending.extend(table.to_batches())
            while sum(len(b) for b in pending) >= rows:
                table = pa.Table.from_batches(pending)
                yield _chunk(table.slice(0, rows), used, mapping, start)
                start += rows
                pending = table.slice(rows).to_batches()
        table = pa.Table.from_batches(pending, schema=schema)
        if len(table) or not start:
            if not len(table):
                raise Restart  # a header without rows: the general reader words it
            yield _chunk(table, used, mapping, start)
    except (pa.ArrowInvalid, pa.ArrowException):
        raise Restart from None


def _chunk(table: pa.Table, used: list[str], mapping: Mapping, start: int) -> MappedFile:
    n = len(table)
    index = pd.RangeIndex(start, start + n)
    frame = _typed(table, used, mapping, index)
    if frame is None:  # a bad cell or a repeated key: the general reader names them
        text = pd.DataFrame({h: table.column(i).to_numpy(zero_copy_only=False) for i, h in enumerate(used)},
                            index=index)
        for header in mapping.columns:  # an ignored column is never read
            text[header] = text[header] if header in text else ""
        return check_table(text, mapping, "csv")
    return MappedFile(frame=frame, rows=n)


def _typed(table: pa.Table, used: list[str], mapping: Mapping, index: pd.RangeIndex) -> pd.DataFrame | None:
    columns, keys = {}, {}
    for i, header in enumerate(used):
        role = mapping.columns[header]
        encoded = pc.dictionary_encode(table.column(i)).combine_chunks()
        values = pd.Series(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        codes = encoded.indices.to_numpy()
        text = values.str.strip()
        empty = text.str.lower().isin(EMPTY)
        if role in ("location", "item"):
            if empty.any() or (text != values).any() or (text.str.len() > MAX_CODE).any():
                return None
            columns[role] = pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))
            keys[role] = codes
        elif role == "date":
            parsed = pd.to_datetime(text, format=mapping.date_format or "%Y-%m-%d", errors="coerce")
            if parsed.isna().any():
                return None
            days = parsed.to_numpy().astype("datetime64[D]")[codes]
            columns[role], keys[role] = days.astype("datetime64[ns]"), days.astype(np.int64)
        elif role == "open":
            lower = text.str.lower()
            if not lower.isin(TRUE | FALSE).all():
                return None
            columns[role] = lower.isin(TRUE).to_numpy()[codes]
        else:
            numbers = _numbers(text, mapping.decimal).where(~empty)
            if (numbers.isna() & ~empty).any() or (role == "measure" and empty.any()):
                return None
            columns[role] = numbers.to_numpy(dtype=float)[codes]
    if keys and pd.DataFrame(keys).duplicated().any():
        return None
    return pd.DataFrame(columns, index=index)


def prefetched(chunks: Iterator[MappedFile], ahead: int = 1) -> Iterator[MappedFile]:
    """``chunks`` read in a thread of their own, ``ahead`` chunks in advance: the next chunk is split and
    checked while the caller sends this one to PostgreSQL (pyarrow's reader and the COPY let go of the GIL).
    Its exceptions (``Restart`` included) are raised here; leaving the loop early stops the thread."""
    out: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, None)):
                    return
            put((None, None))
        except BaseException as exc:  # handed to the caller
            put((None, exc))

    thread = threading.Thread(target=run, name="mapped-read", daemon=True)
    thread.start()
    try:
        while True:
            chunk, exc = out.get()
            if exc is not None:
                raise exc
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()
        thread.join()
