"""Parse and validate uploaded sales / features / stores CSV files.

Pure Python + pandas (+ pyarrow for the fast path of plain sales files, see
:mod:`.fastpath`: same results, only faster); no Django import.  Entry point:
:func:`parse_upload`.

Decisions (documented, and covered by tests/forecasting/ingest):

* Bad input never raises: every problem comes back as ``ParseResult(ok=False)``
  with errors ``{"line", "column", "value", "reason"}``.  Whole-file problems
  (size, compression, encoding, binary, empty, delimiter, too many columns or
  rows) are one error with ``line=None``.  Header problems (unknown file kind,
  missing / ambiguous columns) use the header's line (normally 1).
  :class:`IngestError` is raised only for programmer errors (bad arguments,
  unreadable path).
* Encodings: UTF-8 with or without BOM; UTF-16 *with* BOM is accepted and
  transcoded; UTF-16 without BOM, UTF-32 and non-UTF-8 bytes (Latin-1 /
  Windows-1252) are rejected with a clear message (we never guess a legacy
  encoding: store names would be silently mangled).
* Compression: gzip, detected by magic bytes whatever the file name, stream-
  decompressed with a cap (``max_decompressed_bytes``).  ZIP/XLSX/XLS/bzip2/xz/
  zstd/PDF are rejected with a hint.
* Delimiter: comma only.  A header that splits into one field but contains
  ``;``, TAB or ``|`` is rejected with a message naming the separator.
* Line endings LF, CRLF and bare CR (and missing final newline).  Blank lines
  (empty or spaces/tabs only) anywhere are skipped and counted in a warning;
  line numbers in errors stay the physical file lines (header = line 1).
* A header with no data rows is an error ("no data rows").
* Header names: case-insensitive, whitespace-trimmed, punctuation ignored,
  with aliases (see :mod:`.columns`).  Unknown columns are ignored with a warning.
* Values are whitespace-trimmed.  Integers (store, dept, size) accept ``1`` and
  ``1.0`` but not ``1.5``; store/dept must be 0..2147483647, size >= 1.
  Dates must be ISO ``YYYY-MM-DD``.  Booleans: true/false, t/f, yes/no, y/n,
  1/0 (case-insensitive); an empty holiday value means false; a missing holiday
  column means all false (warning).
* Sales must be finite numbers; negative (returns) and zero sales are valid and
  counted in ``stats``.  In features files empty, ``NA``, ``N/A``, ``NaN``,
  ``null`` and ``None`` mean missing (NaN); ``inf`` is an error.
* All dates of a file must fall on one weekday: the tenant's ``weekday`` if
  given, else the file's most common weekday (ties -> lowest weekday number).
* Duplicate natural keys (sales: store+dept+date, features: store+date,
  stores: store) are errors on the later line naming both lines.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import fastpath
from .columns import COLUMNS, FEATURE_VALUE_FIELDS, KEYS, KINDS, SPECS, alias_names, header_key, spec_by_name
from .copy_csv import COPY_COLUMNS, iter_copy_csv, to_copy_csv
from .errors import IngestError
from .fields import Errors, MaskedErrors, clip, parse_bool, parse_date, parse_float, parse_int, parse_str
from .reader import CsvReader, Records
from .source import FileError, load

__all__ = ["parse_upload", "ParseLimits", "ParseResult", "IngestError", "KINDS", "COPY_COLUMNS",
           "to_copy_csv", "iter_copy_csv", "WEEKDAY_NAMES"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 200 * 1024 * 1024
    max_decompressed_bytes: int = 500 * 1024 * 1024
    max_gzip_members: int = 100_000  # concatenated .gz parts (source.MAX_GZIP_MEMBERS)
    max_rows: int = 5_000_000
    max_columns: int = 200
    max_field_chars: int = 10_000
    max_errors_reported: int = 1000


@dataclass
class ParseResult:
    kind: str | None
    ok: bool
    frame: pd.DataFrame | None = None
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    rows_total: int = 0
    weekday: int | None = None
    stats: dict = field(default_factory=dict)
    #: canonical column name -> header name as written in the file
    column_map: dict[str, str] = field(default_factory=dict)
    #: the physical file line of each frame row (header = line 1), when known
    lines: np.ndarray | None = None

    @property
    def first_error(self) -> str | None:
        return self.errors[0]["reason"] if self.errors else None

    def summary(self) -> dict:
        """JSON-serialisable summary (no frame) for API responses / job logs."""
        return {
            "kind": self.kind, "ok": self.ok, "rows_total": self.rows_total,
            "error_count": self.error_count, "errors": self.errors, "warnings": self.warnings,
            "weekday": self.weekday, "stats": self.stats, "column_map": self.column_map,
        }


def _file_error(res: ParseResult, reason: str, line: int | None = None,
                column: str | None = None, value: str | None = None) -> ParseResult:
    res.ok = False
    res.frame = None
    res.errors.append({"line": line, "column": column, "value": clip(value), "reason": reason})
    res.error_count += 1
    return res


# ---------------------------------------------------------------------------- header


def _match_header(header: list[str]) -> dict[str, dict[str, list[int]]]:
    keys = [header_key(h) for h in header]
    out: dict[str, dict[str, list[int]]] = {}
    for kind in KINDS:
        found: dict[str, list[int]] = {}
        for spec in SPECS[kind]:
            pos = [i for i, k in enumerate(keys) if k and k in spec.aliases]
            if pos:
                found[spec.name] = pos
        out[kind] = found
    return out


def _detect(matches) -> str | None:
    s, f, st = matches["sales"], matches["features"], matches["stores"]
    if all(k in s for k in ("store", "dept", "date", "sales")):
        return "sales"
    if "store" in f and "date" in f and any(k in f for k in FEATURE_VALUE_FIELDS):
        return "features"
    if "store" in st and ("type" in st or "size" in st) and "date" not in f:
        return "stores"
    return None


def _undetected_reason(header: list[str], matches) -> str:
    shown = ",".join(h.strip() for h in header[:12]) + (",…" if len(header) > 12 else "")
    s = matches["sales"]
    if all(k in s for k in ("store", "dept", "date")) and "sales" not in s:
        return (f"unrecognised file: the header ({shown}) has store, dept and date but no "
                "sales column (Weekly_Sales / sales / units); is this a forecast template "
                "such as the Kaggle test.csv?")
    return (f"unrecognised file: could not tell from the header ({shown}) whether this is a "
            "sales file (Store,Dept,Date,Weekly_Sales,IsHoliday), a features file "
            "(Store,Date,Temperature,Fuel_Price,MarkDown1-5,CPI,Unemployment,IsHoliday) or a "
            "stores file (Store,Type,Size)")


# ---------------------------------------------------------------------------- main


def parse_upload(path_or_fileobj, filename: str = "", kind: str | None = None,
                 limits: ParseLimits | None = None, weekday: int | None = None) -> ParseResult:
    """Parse and validate one uploaded CSV (or .csv.gz).  See module docstring."""
    if kind is not None and kind not in KINDS:
        raise IngestError(f"kind must be one of {KINDS} or None, not {kind!r}")
    if weekday is not None and (isinstance(weekday, bool) or not isinstance(weekday, (int, np.integer))
                                or not 0 <= weekday <= 6):
        raise IngestError(f"weekday must be an int 0..6 (0=Monday) or None, not {weekday!r}")
    if limits is None:
        limits = ParseLimits()
    elif not isinstance(limits, ParseLimits):
        raise IngestError("limits must be a ParseLimits instance")
    if path_or_fileobj is None:
        raise IngestError("path_or_fileobj is required")
    if isinstance(path_or_fileobj, (str, os.PathLike)) and not os.path.isfile(path_or_fileobj):
        raise IngestError(f"no such file: {path_or_fileobj}")
    if not isinstance(path_or_fileobj, (str, os.PathLike, bytes, bytearray, memoryview)) \
            and not hasattr(path_or_fileobj, "read"):
        raise IngestError("path_or_fileobj must be a path, bytes or a binary file object")

    res = ParseResult(kind=kind, ok=False, weekday=None if weekday is None else int(weekday))
    res.stats["filename"] = filename
    try:
        source = load(path_or_fileobj, limits)
        res.stats.update(encoding=source.encoding, compression=source.compression,
                         bytes=source.raw_bytes, decoded_bytes=len(source.data))
        if source.compression is None and str(filename).lower().endswith(".gz"):
            res.warnings.append("file name ends in .gz but the content is not compressed; "
                                "read it as plain CSV")
        if fastpath.try_fast_sales(res, source.data, kind, limits, resolve_header=_resolve_header,
                                   make_result=ParseResult, stats=_stats):
            return res
        reader = CsvReader(source.data, limits)
        header = reader.header()
        hline = reader.header_line
        positions = _resolve_header(res, header, kind, hline)
        if positions is None:
            return res
        recs = reader.records(list(positions.values()))
        res.rows_total = recs.rows_total
        if recs.blank_lines:
            res.warnings.append(f"{recs.blank_lines} blank line(s) ignored")
        if recs.bad_width_count:
            width = len(header)
            for line, nf in recs.bad_width:
                res.errors.append({"line": line, "column": None, "value": None,
                                   "reason": f"wrong number of fields: expected {width}, "
                                             f"found {nf}"})
            res.error_count = recs.bad_width_count
            return res
        if recs.rows_total == 0:
            return _file_error(res, "file has a header but no data rows")
        _validate(res, header, positions, recs, source.data, limits)
        return res
    except FileError as exc:
        return _file_error(res, str(exc))
    except MemoryError:
        return _file_error(res, "file is too large to process")


def _resolve_header(res: ParseResult, header: list[str], kind: str | None,
                    hline: int) -> dict[str, int] | None:
    matches = _match_header(header)
    detected = _detect(matches)
    if kind is None:
        if detected is None:
            _file_error(res, _undetected_reason(header, matches), line=hline)
            return None
        kind = detected
    res.kind = kind
    found = matches[kind]
    ok = True
    for spec in SPECS[kind]:
        pos = found.get(spec.name)
        if pos is None:
            if spec.required:
                hint = ""
                if detected and detected != kind:
                    hint = f"; the header looks like a {detected} file"
                _file_error(res, f"missing required column '{spec.name}' "
                                 f"(accepted names: {alias_names(spec)}){hint}",
                            line=hline, column=spec.name)
                ok = False
        elif len(pos) > 1:
            names = " and ".join(f"'{header[i].strip()}'" for i in pos)
            _file_error(res, f"columns {names} both map to '{spec.name}'; keep only one",
                        line=hline, column=header[pos[1]].strip())
            ok = False
    if not ok:
        return None
    positions = {name: pos[0] for name, pos in found.items()}
    res.column_map = {name: header[p].strip() for name, p in positions.items()}
    used = set(positions.values())
    unknown = [h.strip() for i, h in enumerate(header) if i not in used and header_key(h)]
    unnamed = sum(1 for i, h in enumerate(header) if i not in used and not header_key(h))
    if unknown:
        shown = ", ".join(f"'{clip(u)}'" for u in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        res.warnings.append(f"ignored unknown column(s): {shown}{more}")
    if unnamed:
        res.warnings.append(f"ignored {unnamed} column(s) with an empty header")
    if kind in ("sales", "features") and "is_holiday" not in positions:
        res.warnings.append("no holiday column (IsHoliday); all weeks are treated as "
                            "non-holiday")
    if kind == "features":
        missing = [f for f in FEATURE_VALUE_FIELDS if f not in positions]
        if missing:
            res.warnings.append("missing feature column(s) left empty: " + ", ".join(missing))
    return positions


def _validate(res: ParseResult, header: list[str], positions: dict[str, int], recs: Records,
              data: bytes, limits: ParseLimits) -> None:
    kind = res.kind
    specs = spec_by_name(kind)
    n = len(recs.lines)
    errs = Errors(recs.lines)
    needs_strip = (b" " in data) or (b"\t" in data) or not data.isascii()
    raw: dict[str, pd.Series] = {}
    colname: dict[str, str] = {}
    for name, pos in positions.items():
        s = recs.columns[pos]
        if needs_strip:
            s = s.str.strip()
        s = s.reset_index(drop=True)
        raw[name] = s
        colname[name] = header[pos].strip()

    values: dict[str, np.ndarray] = {}
    valid: dict[str, np.ndarray] = {}
    too_long_any = recs.max_field_len > limits.max_field_chars
    dows = None
    for spec in SPECS[kind]:
        name = spec.name
        if name not in raw:
            continue
        s, col = raw[name], colname[name]
        pre_bad = None
        if too_long_any:
            lens = s.str.len().to_numpy()
            long = lens > limits.max_field_chars
            if long.any():
                errs.add(np.flatnonzero(long), col, s,
                         lambda p, lens=lens: f"value too long ({lens[p]:,} characters; "
                                              f"the limit is {limits.max_field_chars:,})")
                pre_bad = long
                s = s.where(~pd.Series(long), "")
        sub_errs = errs if pre_bad is None else MaskedErrors(errs, pre_bad)
        if spec.type == "int":
            v, ok = parse_int(s, spec, col, sub_errs)
        elif spec.type == "float":
            v, ok = parse_float(s, spec, col, sub_errs, required=spec.required)
        elif spec.type == "date":
            v, ok, dows = parse_date(s, col, sub_errs)
        elif spec.type == "bool":
            v, ok = parse_bool(s, col, sub_errs)
        else:
            v, ok = parse_str(s, spec, col, sub_errs)
        if pre_bad is not None:
            ok = ok & ~pre_bad
        values[name], valid[name] = v, ok

    # ---- week-ending weekday
    if "date" in values:
        ok = valid["date"]
        if ok.any():
            if res.weekday is None:
                counts = np.bincount(dows[ok].astype(np.int64), minlength=7)
                res.weekday = int(counts.argmax())
                context = (f"the other dates in this file are {WEEKDAY_NAMES[res.weekday]}s "
                           "(all week-ending dates must fall on the same weekday)")
            else:
                context = (f"this account's weeks end on {WEEKDAY_NAMES[res.weekday]}s "
                           "(all week-ending dates must fall on the same weekday)")
            wrong = ok & (dows != res.weekday)
            if wrong.any():
                dd = raw["date"]
                errs.add(np.flatnonzero(wrong), colname["date"], dd,
                         lambda p: f"{dd.iat[p]} is a {WEEKDAY_NAMES[dows[p]]} but {context}")
                valid["date"] = ok & ~wrong

    # ---- duplicate natural keys
    keys = KEYS[kind]
    key_ok = np.logical_and.reduce([valid[k] for k in keys])
    kdf = pd.DataFrame({k: values[k] for k in keys})
    kdf["_line"] = recs.lines
    kdf = kdf[key_ok]
    dup = kdf.duplicated(list(keys), keep=False).to_numpy()
    if dup.any():
        d = kdf[dup]
        first = d.groupby(list(keys), sort=False)["_line"].transform("min")
        later = d[d["_line"].to_numpy() != first.to_numpy()]
        first_of = dict(zip(later.index.to_numpy(), first[later.index].to_numpy()))
        line_of = recs.lines
        key_names = ", ".join(keys[:-1]) + (" and " if len(keys) > 1 else "") + keys[-1]

        def dup_value(p):
            return ", ".join(f"{k}={raw[k].iat[p]}" for k in keys)

        errs.add(later.index.to_numpy(), "+".join(colname[k] for k in keys), dup_value,
                 lambda p: f"duplicate row: lines {first_of[p]} and {line_of[p]} have the same "
                           f"{key_names} ({dup_value(p)})")

    res.error_count += errs.count
    res.errors.extend(errs.render(limits.max_errors_reported - len(res.errors)))
    if res.error_count:
        res.ok = False
        return

    # ---- build the normalised frame
    cols: dict[str, object] = {}
    for name in COLUMNS[kind]:
        spec = specs[name]
        if name in values:
            v = values[name]
        elif spec.type == "bool":
            v = np.zeros(n, dtype=bool)
        elif spec.type == "float":
            v = np.full(n, np.nan)
        else:  # optional str
            v = np.full(n, None, dtype=object)
        cols[name] = v
    frame = pd.DataFrame(cols)
    if "date" in frame:
        frame["date"] = frame["date"].astype("datetime64[ns]")
    res.frame = frame
    res.lines = np.asarray(recs.lines)
    res.ok = True
    res.stats.update(_stats(kind, frame))


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def _stats(kind: str, frame: pd.DataFrame) -> dict:
    st: dict = {"rows": int(len(frame)), "stores": int(frame["store"].nunique())}
    if "date" in frame:
        st.update(date_min=_iso(frame["date"].min()), date_max=_iso(frame["date"].max()),
                  weeks=int(frame["date"].nunique()),
                  holiday_weeks=int(frame.loc[frame["is_holiday"], "date"].nunique()))
    if kind == "sales":
        s = frame["sales"].to_numpy()
        st.update(depts=int(frame["dept"].nunique()),
                  series=int(len(frame.drop_duplicates(["store", "dept"]))),
                  negative_sales=int((s < 0).sum()), zero_sales=int((s == 0).sum()),
                  total_sales=float(s.sum()))
    elif kind == "features":
        st["missing"] = {c: int(frame[c].isna().sum()) for c in FEATURE_VALUE_FIELDS}
    elif kind == "stores":
        st["types"] = {str(k): int(v) for k, v in frame["type"].value_counts().sort_index().items()}
    return st


def detect_kind(header: list[str]) -> str | None:
    """The kind of Walmart-layout file ``header`` is (sales, features, stores), None when it is none."""
    return _detect(_match_header(header))
