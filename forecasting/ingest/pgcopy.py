"""PostgreSQL binary ``COPY`` encoding/decoding of normalised frames with numpy.

Only fixed-width rows without NULLs are supported (the sales kind: int4, int4,
date, float8, bool); :func:`binary_supported` says whether a frame qualifies,
otherwise use the CSV helpers of :mod:`.parsing`.

Format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4):
an 11-byte signature, int32 flags, int32 header-extension length, then per row
an int16 field count and per field an int32 byte length followed by the value
in network byte order; dates are int32 days since 2000-01-01; a trailer int16 -1.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import COLUMNS

__all__ = ["binary_supported", "to_copy_binary", "from_copy_binary", "encode_columns", "BINARY_KINDS"]

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_PG_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
_INT4_MIN, _INT4_MAX = -2**31, 2**31 - 1

#: pg type of each column, in COPY column order
_TYPES = {"sales": ("int4", "int4", "date", "float8", "bool")}
BINARY_KINDS = tuple(_TYPES)
_WIDTH = {"int4": 4, "date": 4, "float8": 8, "bool": 1}
_NP = {"int4": ">i4", "date": ">i4", "float8": ">f8", "bool": "u1"}


class CopyFormatError(ValueError):
    pass


def _row_dtype(kind: str) -> np.dtype:
    fields = [("nfields", ">i2")]
    for name, typ in zip(COLUMNS[kind], _TYPES[kind]):
        fields += [(f"_len_{name}", ">i4"), (name, _NP[typ])]
    return np.dtype(fields)  # packed (no alignment padding), as on the wire


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]").astype(np.int64)


def binary_supported(frame: pd.DataFrame, kind: str) -> bool:
    """True when ``frame`` can be sent with :func:`to_copy_binary` (right kind, no missing
    values, integers within int4, dates within int4 days)."""
    if kind not in _TYPES or any(c not in frame.columns for c in COLUMNS[kind]):
        return False
    for name, typ in zip(COLUMNS[kind], _TYPES[kind]):
        s = frame[name]
        if s.isna().any():
            return False
        if typ == "int4":
            if s.dtype.kind not in "iu" or (len(s) and (s.min() < _INT4_MIN or s.max() > _INT4_MAX)):
                return False
        elif typ == "float8" and s.dtype.kind not in "fiu":
            return False
        elif typ == "bool" and s.dtype != bool:
            return False
        elif typ == "date" and (s.dtype.kind != "M" or getattr(s.dtype, "tz", None) is not None):
            return False
    return True


def to_copy_binary(frame: pd.DataFrame, kind: str, rows: np.ndarray | None = None) -> memoryview:
    """Encode ``frame`` (optionally only the positions ``rows``) for
    ``COPY t (COPY_COLUMNS[kind]) FROM STDIN WITH (FORMAT binary)``.  The caller must have
    checked :func:`binary_supported`."""
    dt = _row_dtype(kind)
    n = len(frame) if rows is None else len(rows)
    out = np.empty(len(HEADER) + n * dt.itemsize + len(TRAILER), dtype=np.uint8)
    out[:len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    out[len(out) - len(TRAILER):] = np.frombuffer(TRAILER, dtype=np.uint8)
    body = out[len(HEADER):len(out) - len(TRAILER)].view(dt)
    body["nfields"] = len(_TYPES[kind])
    for name, typ in zip(COLUMNS[kind], _TYPES[kind]):
        body[f"_len_{name}"] = _WIDTH[typ]
        v = frame[name].to_numpy()
        if rows is not None:
            v = v[rows]
        if typ == "date":
            v = _days(v) - _PG_EPOCH_DAYS
        body[name] = v
    return memoryview(out)


def _field(values: np.ndarray, typ: str) -> tuple[str, int]:
    """(numpy type, bytes on the wire); ``text``: fixed-width bytes (``S<n>``: one value repeated)."""
    return (values.dtype.str, values.dtype.itemsize) if typ == "text" else (_NP[typ], _WIDTH[typ])


def encode_columns(columns: list[tuple[np.ndarray, str]]) -> memoryview:
    """Rows of the given (values, pg type) columns, in order, for a binary COPY (no NULLs: a missing
    float8 is NaN; dates as datetime64; ``text`` as an ``S<n>`` array whose values all have n bytes)."""
    dt = np.dtype([("nfields", ">i2")] + [f for i, (v, typ) in enumerate(columns)
                                          for f in ((f"_len{i}", ">i4"), (f"c{i}", _field(v, typ)[0]))])
    n = len(columns[0][0]) if columns else 0
    out = np.empty(len(HEADER) + n * dt.itemsize + len(TRAILER), dtype=np.uint8)
    out[:len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    out[len(out) - len(TRAILER):] = np.frombuffer(TRAILER, dtype=np.uint8)
    body = out[len(HEADER):len(out) - len(TRAILER)].view(dt)
    body["nfields"] = len(columns)
    for i, (values, typ) in enumerate(columns):
        body[f"_len{i}"] = _field(values, typ)[1]
        body[f"c{i}"] = _days(values) - _PG_EPOCH_DAYS if typ == "date" else values
    return memoryview(out)


def from_copy_binary(data, kind: str) -> dict[str, np.ndarray]:
    """Decode ``COPY (SELECT COPY_COLUMNS[kind] ...) TO STDOUT WITH (FORMAT binary)`` output
    (no NULLs) into native numpy arrays: ints int64, dates int64 days since 1970-01-01,
    floats float64, bools bool."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if len(raw) < len(HEADER) + 2 or bytes(raw[:len(SIGNATURE)]) != SIGNATURE:
        raise CopyFormatError("not a PostgreSQL binary COPY stream")
    ext = int.from_bytes(bytes(raw[15:19]), "big")
    start = 19 + ext
    if bytes(raw[len(raw) - 2:]) != TRAILER:
        raise CopyFormatError("binary COPY stream lacks its trailer")
    dt = _row_dtype(kind)
    size = len(raw) - 2 - start
    if size % dt.itemsize:
        raise CopyFormatError("binary COPY rows are not fixed-width (NULLs?)")
    body = raw[start:len(raw) - 2].view(dt)
    if len(body) and (np.any(body["nfields"] != len(_TYPES[kind]))
                      or any(np.any(body[f"_len_{c}"] != _WIDTH[t])
                             for c, t in zip(COLUMNS[kind], _TYPES[kind]))):
        raise CopyFormatError("unexpected field layout in binary COPY stream")
    out = {}
    for name, typ in zip(COLUMNS[kind], _TYPES[kind]):
        v = body[name]
        if typ in ("int4",):
            v = v.astype(np.int64)
        elif typ == "date":
            v = v.astype(np.int64) + _PG_EPOCH_DAYS
        elif typ == "float8":
            v = v.astype(np.float64)
        else:
            v = v.astype(bool)
        out[name] = v
    return out
