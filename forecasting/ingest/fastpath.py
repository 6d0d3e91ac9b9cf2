"""Fast path for large, plain sales files (pyarrow's C++ CSV reader).

:func:`try_fast_sales` either fills in a *successful* :class:`ParseResult`
that is identical to what the general path (:mod:`.reader` + ``_validate``)
would produce for the same bytes, or returns ``False`` having touched nothing,
and the caller runs the general path.  It never produces an error itself:
every anomaly (odd layout, a value the general path would reject or parse
differently, duplicates, wrong weekday, ...) simply means "not for me", so the
error messages and line numbers always come from the general path.

Accepted here (everything else falls back):

* sales files (detected or requested) with a plain header on line 1;
* no quote characters, no CR bytes, no blank lines, no ``x``/``X`` anywhere
  (pyarrow would read ``0x10`` as an integer; pandas does not);
* every line no longer than ``max_field_chars`` (so no value can be too long);
* store/dept: decimal integers 0..2^31-1 (``1.0``, ``+1``, ``1e0`` fall back);
* date: ISO ``YYYY-MM-DD`` in 1900..2100, all on the expected weekday;
* sales: finite decimals of at most 15 characters and no exponent (for those,
  pyarrow's and pandas' float parsing are both exactly rounded, so the values
  are bit-identical), and no negative zero;
* holiday: the accepted boolean words in any letter case, or empty (= false);
* no duplicate (store, dept, date).

Surrounding spaces/tabs are trimmed by pyarrow for numbers and dates exactly as
the general path strips them; a padded boolean fails conversion and falls back.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

try:  # optional dependency: without pyarrow everything takes the general path
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
except ImportError:  # pragma: no cover
    pa = None

#: set to False (e.g. in tests) to force the general path
ENABLED = True

_MIN_DAY = -25567          # 1900-01-01 as days since 1970-01-01
_MAX_DAY = 47846           # 2100-12-31
_MAX_SALES_CHARS = 15      # <= 15 digits: pandas' and pyarrow's parsing agree exactly


def _case_variants(word: str) -> list[str]:
    return ["".join(p) for p in itertools.product(*[(c.lower(), c.upper()) if c.isalpha() else (c,)
                                                    for c in word])]


_TRUE_VALUES = ["1", *itertools.chain.from_iterable(_case_variants(w) for w in ("true", "t", "yes", "y"))]
_FALSE_VALUES = ["0", "", *itertools.chain.from_iterable(_case_variants(w) for w in ("false", "f", "no", "n"))]


def _np(col) -> np.ndarray:
    """ChunkedArray without nulls -> numpy (zero-copy for a single chunk)."""
    if col.num_chunks == 1:
        return col.chunk(0).to_numpy(zero_copy_only=False)
    return col.to_numpy()


def try_fast_sales(res, data: bytes, kind: str | None, limits, resolve_header, make_result,
                   stats) -> bool:
    """See module docstring.  ``resolve_header``/``make_result``/``stats`` are the general
    path's helpers (passed in to avoid an import cycle)."""
    if not ENABLED or pa is None or kind not in (None, "sales"):
        return False
    nl = data.find(b"\n")
    if nl <= 0:
        return False
    head = data[:nl]
    if b'"' in data or b"\r" in data or data.find(b"x", nl) != -1 or data.find(b"X", nl) != -1:
        return False
    try:
        header = head.decode("utf-8").split(",")
    except UnicodeDecodeError:  # pragma: no cover - source.load validated UTF-8
        return False
    if len(header) > limits.max_columns or len(header) < 2 \
            or max(len(h) for h in header) > limits.max_field_chars:
        return False
    scratch = make_result(kind=kind, ok=False, weekday=res.weekday)
    positions = resolve_header(scratch, header, kind, 1)
    if positions is None or scratch.kind != "sales" or scratch.errors:
        return False

    # line structure: no blank lines, no over-long line
    buf = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(buf == 10)
    if len(breaks) > 1:
        gaps = np.diff(breaks)
        if gaps.min() <= 1 or gaps.max() - 1 > limits.max_field_chars:
            return False
    if breaks[-1] != len(data) - 1:  # no final newline: the last line
        last = len(data) - 1 - breaks[-1]
        if last > limits.max_field_chars:
            return False
    rows = len(breaks) - (1 if breaks[-1] == len(data) - 1 else 0)
    if rows < 1 or rows > limits.max_rows:
        return False

    width = len(header)
    names = [f"c{i}" for i in range(width)]
    col = {name: names[p] for name, p in positions.items()}
    types = {col["store"]: pa.int32(), col["dept"]: pa.int32(), col["date"]: pa.date32(),
             col["sales"]: pa.string()}
    if "is_holiday" in col:
        types[col["is_holiday"]] = pa.bool_()
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char=False, double_quote=False,
                                             escape_char=False, newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(types), column_types=types, null_values=[],
                true_values=_TRUE_VALUES, false_values=_FALSE_VALUES, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=False))
    except (pa.ArrowException, ValueError, MemoryError):
        return False
    if table.num_rows != rows:
        return False

    sales_s = table.column(col["sales"])
    if pc.max(pc.binary_length(sales_s)).as_py() > _MAX_SALES_CHARS:
        return False
    if _any_byte_of(sales_s, (b"e", b"E")):  # exponent notation
        return False
    try:
        sales = _np(pc.cast(sales_s, pa.float64()))
    except (pa.ArrowException, ValueError):
        return False
    if not np.isfinite(sales).all():
        return False
    if np.signbit(sales[sales == 0]).any():
        # pandas reads "-0" as 0.0 when every value of the column looks like an integer
        # and as -0.0 otherwise: leave that to the general path
        return False
    store = _np(table.column(col["store"]))
    dept = _np(table.column(col["dept"]))
    if store.min() < 0 or dept.min() < 0:
        return False
    days = _np(table.column(col["date"]).cast(pa.int32()))
    if days.min() < _MIN_DAY or days.max() > _MAX_DAY:
        return False
    dows = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    weekday = res.weekday
    if weekday is None:
        weekday = int(np.bincount(dows, minlength=7).argmax())
    if (dows != weekday).any():
        return False
    if _has_duplicates(store, dept, days):
        return False
    if "is_holiday" in col:
        holiday = _np(table.column(col["is_holiday"]))
    else:
        holiday = np.zeros(rows, dtype=bool)
    del table

    frame = pd.DataFrame({
        "store": store.astype(np.int64), "dept": dept.astype(np.int64),
        "date": days.astype("datetime64[D]").astype("datetime64[ns]"),
        "sales": sales, "is_holiday": holiday.astype(bool, copy=False)})
    res.kind = scratch.kind
    res.column_map = scratch.column_map
    res.warnings.extend(scratch.warnings)
    res.rows_total = rows
    res.weekday = weekday
    res.frame = frame
    res.ok = True
    res.stats.update(stats("sales", frame))
    return True


def _any_byte_of(col, needles) -> bool:
    """Whether any value of a string ChunkedArray contains one of the byte strings."""
    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        values = chunk.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]
        if any(n in values for n in needles):
            return True
    return False


def _has_duplicates(store: np.ndarray, dept: np.ndarray, days: np.ndarray) -> bool:
    if len(store) < 2:
        return False
    ds, dd, dt = np.diff(store), np.diff(dept), np.diff(days)
    if ((ds > 0) | ((ds == 0) & ((dd > 0) | ((dd == 0) & (dt > 0))))).all():
        return False  # strictly increasing (the usual export order): no duplicates
    keys = pd.DataFrame({"s": store, "d": dept, "t": days})
    return bool(keys.duplicated().any())
