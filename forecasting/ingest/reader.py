"""CSV tokenising with exact physical line numbers.

Two paths, chosen per file:

* **fast path** (no ``"`` anywhere in the file — e.g. all Walmart files): line
  breaks, blank lines and per-line field counts are found with numpy on the raw
  bytes, then pandas' C parser reads the needed columns as ``str``;
* **quoted path** (the file contains ``"``): Python's :mod:`csv` module in strict
  mode, which tracks physical lines through quoted multi-line fields.

Both treat LF, CRLF and bare CR as line endings, skip blank lines (empty or
only spaces/tabs — the same rule pandas uses) and use the first non-blank line
as the header.  Line numbers are 1-based physical lines.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .source import FileError

_WS = b" \t"


@dataclass
class Records:
    lines: np.ndarray                     # int64 physical line of each data record
    columns: dict[int, pd.Series]         # header position -> raw str values
    blank_lines: int = 0
    bad_width: list[tuple[int, int]] = field(default_factory=list)  # (line, fields) first N
    bad_width_count: int = 0
    max_field_len: int = 0                # upper bound on any field's length (chars)
    rows_total: int = 0                   # data records (non-blank lines after the header)


def _header_checks(fields: list[str], line: int, limits) -> list[str]:
    if len(fields) > limits.max_columns:
        raise FileError(f"too many columns: {len(fields)} (the limit is {limits.max_columns})")
    longest = max((len(f) for f in fields), default=0)
    if longest > limits.max_field_chars:
        raise FileError(f"header on line {line} has a column name of {longest} characters "
                        f"(the limit is {limits.max_field_chars})")
    if len(fields) == 1:
        text = fields[0]
        if ";" in text:
            raise FileError("the file seems to use ';' as the separator; only comma-separated "
                            "files are supported (re-export with ',' as the list separator)")
        if "\t" in text:
            raise FileError("the file seems to be tab-separated; only comma-separated "
                            "files are supported")
        if "|" in text:
            raise FileError("the file seems to use '|' as the separator; only comma-separated "
                            "files are supported")
    return fields


class CsvReader:
    def __init__(self, data: bytes, limits):
        self.data = data
        self.limits = limits
        self.quoted = b'"' in data
        self._header: list[str] | None = None
        self.header_line = 0

    # ------------------------------------------------------------------ header
    def header(self) -> list[str]:
        if self._header is None:
            if self.quoted:
                self._csv_header()
            else:
                self._fast_scan()
        return self._header

    # ------------------------------------------------------------------ fast path
    def _fast_scan(self) -> None:
        data = self.data
        buf = np.frombuffer(data, dtype=np.uint8)
        n = len(buf)
        if n == 0:
            raise FileError("file is empty")
        lf = np.flatnonzero(buf == 10)
        if b"\r" in data:
            cr = np.flatnonzero(buf == 13)
            nxt = cr + 1
            bare = np.ones(len(cr), dtype=bool)
            inside = nxt < n
            bare[inside] = buf[nxt[inside]] != 10
            breaks = np.sort(np.concatenate([lf, cr[bare]]))
            crlf_lf = cr[~bare] + 1
        else:
            breaks = lf
            crlf_lf = None
        starts = np.empty(len(breaks) + 1, dtype=np.int64)
        starts[0] = 0
        starts[1:] = breaks + 1
        ends = np.empty(len(breaks) + 1, dtype=np.int64)
        ends[:-1] = breaks
        ends[-1] = n
        if crlf_lf is not None and len(crlf_lf):
            # the CR of a CRLF pair is part of the line ending, not the content
            ends[:-1] -= np.isin(breaks, crlf_lf, assume_unique=True)
        if starts[-1] >= n:  # file ends with a line break
            starts, ends = starts[:-1], ends[:-1]
        lengths = ends - starts
        commas = np.flatnonzero(buf == 44)
        ncomma = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
        blank = lengths == 0

        def is_ws_line(i: int) -> bool:
            return ncomma[i] == 0 and not data[starts[i]:ends[i]].strip(_WS)

        h = 0
        while h < len(starts) and (blank[h] or is_ws_line(h)):
            h += 1
        if h >= len(starts):
            raise FileError("file is empty (no header line)")
        self.header_line = h + 1
        self._header = _header_checks(
            data[starts[h]:ends[h]].decode("utf-8").split(","), h + 1, self.limits)
        # whitespace-only lines count as blank (pandas skips them too)
        cand = np.flatnonzero((ncomma == 0) & ~blank)
        cand = cand[cand > h]
        for i in cand:
            if not data[starts[i]:ends[i]].strip(_WS):
                blank[i] = True
        self._fast = (starts, lengths, ncomma, blank, h)

    def _fast_records(self, positions: list[int]) -> Records:
        starts, lengths, ncomma, blank, h = self._fast
        width = len(self._header)
        idx = np.flatnonzero(~blank)
        idx = idx[idx > h]
        blank_lines = int(blank[h + 1:].sum())
        if len(idx) > self.limits.max_rows:
            raise FileError(f"too many rows: {len(idx):,} (the limit is {self.limits.max_rows:,})")
        lines = (idx + 1).astype(np.int64)
        rec = Records(lines=lines, columns={}, blank_lines=blank_lines, rows_total=len(idx))
        if len(idx) == 0:
            return rec
        nf = ncomma[idx] + 1
        wrong = np.flatnonzero(nf != width)
        if len(wrong):
            rec.bad_width_count = len(wrong)
            rec.bad_width = [(int(lines[i]), int(nf[i]))
                             for i in wrong[: self.limits.max_errors_reported]]
            return rec
        rec.max_field_len = int(lengths[idx].max())
        df = pd.read_csv(
            io.BytesIO(self.data), header=0, names=list(range(width)), usecols=positions,
            dtype=str, na_filter=False, keep_default_na=False, engine="c",
            skip_blank_lines=True, encoding="utf-8", quoting=csv.QUOTE_NONE)
        if len(df) != len(idx):  # should never happen; be safe rather than misnumber lines
            self.quoted = True
            return self._csv_records_from_scratch(positions)
        rec.columns = {p: df[p] for p in positions}
        return rec

    # ------------------------------------------------------------------ quoted path
    def _csv_header(self) -> None:
        if csv.field_size_limit() < self.limits.max_field_chars + 1:
            csv.field_size_limit(self.limits.max_field_chars + 1)
        self._text = self.data.decode("utf-8")
        if not self._text.strip():
            raise FileError("file is empty")
        self._reader = csv.reader(io.StringIO(self._text, newline=""), strict=True)
        self._prev_line = 0
        self._leading_blank = 0
        for row in self._rows():
            start, fields = row
            if fields is None:
                continue
            self.header_line = start
            self._header = _header_checks(fields, start, self.limits)
            return
        raise FileError("file is empty (no header line)")

    def _rows(self):
        """Yield (start_line, fields or None for blank) with clean error handling."""
        reader = self._reader
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = self._prev_line + 1
                msg = str(exc)
                if "field larger than field limit" in msg:
                    raise FileError(f"a value starting on line {line} is longer than "
                                    f"{self.limits.max_field_chars} characters") from None
                raise FileError(f"malformed CSV quoting starting on line {line} ({msg})") from None
            start = self._prev_line + 1
            self._prev_line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip(" \t")):
                yield start, None
            else:
                yield start, fields

    def _csv_records_from_scratch(self, positions):
        self._header = None
        self._csv_header()
        return self._csv_records(positions)

    def _csv_records(self, positions: list[int]) -> Records:
        width = len(self._header)
        limit = self.limits.max_rows
        lines: list[int] = []
        cols: list[list[str]] = [[] for _ in positions]
        appenders = [c.append for c in cols]
        pairs = list(zip(positions, appenders))
        blank = 0
        bad: list[tuple[int, int]] = []
        bad_count = 0
        maxlen = 0
        for start, fields in self._rows():
            if fields is None:
                blank += 1
                continue
            if len(fields) != width:
                bad_count += 1
                if len(bad) < self.limits.max_errors_reported:
                    bad.append((start, len(fields)))
                continue
            lines.append(start)
            if len(lines) + bad_count > limit:
                raise FileError(f"too many rows: more than {limit:,} (the limit is {limit:,})")
            for p, app in pairs:
                app(fields[p])
        rec = Records(lines=np.asarray(lines, dtype=np.int64), columns={}, blank_lines=blank,
                      bad_width=bad, bad_width_count=bad_count)
        rec.rows_total = len(lines) + bad_count
        if bad_count:
            return rec
        for p, c in zip(positions, cols):
            s = pd.Series(c, dtype=object)
            if len(s):
                maxlen = max(maxlen, int(s.str.len().max()))
            rec.columns[p] = s
        rec.max_field_len = maxlen
        return rec

    # ------------------------------------------------------------------ public
    def records(self, positions: list[int]) -> Records:
        self.header()
        positions = sorted(set(positions))
        if self.quoted:
            return self._csv_records(positions)
        return self._fast_records(positions)
