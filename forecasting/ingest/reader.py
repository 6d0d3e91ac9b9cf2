"""CSV tokenising with exact physical line numbers.

Two paths, chosen per file:

* **fast path** (any file whose quoting is plain RFC 4180 — e.g. all Walmart
  files, or exports that quote every field): line breaks, quote parity, blank
  lines and per-record field counts are found with numpy on the raw bytes, then
  pandas' C parser reads the needed columns as ``str``;
* **exact path** (stray quotes inside unquoted fields, unbalanced quotes, or any
  disagreement with pandas): Python's :mod:`csv` module in strict mode, which
  tracks physical lines through quoted multi-line fields and reports malformed
  quoting.

Both treat LF, CRLF and bare CR as line endings, skip blank lines (empty or
only spaces/tabs — the same rule pandas uses) and use the first non-blank line
as the header.  Line numbers are 1-based physical lines (a quoted field spanning
lines counts all of them).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .source import FileError

_WS = b" \t"
# record contents treated as a blank line (the csv module yields [''] for both)
_BLANKISH = (b"", b'""')


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
        self.use_csv_module = False   # True -> slow, exact Python csv path
        self._header: list[str] | None = None
        self.header_line = 0
        self._fast = None

    # ------------------------------------------------------------------ header
    def header(self) -> list[str]:
        if self._header is None:
            if not self.use_csv_module and self._fast_scan():
                pass
            else:
                self.use_csv_module = True
                self._csv_header()
        return self._header

    # ------------------------------------------------------------------ fast path
    def _fast_scan(self) -> bool:
        """numpy scan of the raw bytes.  Returns False when the quoting is not plain
        RFC 4180 (stray or unbalanced quotes) so the csv-module path must be used."""
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
        else:
            breaks = lf
        commas = np.flatnonzero(buf == 44)
        rec_breaks = breaks
        quoted = b'"' in data
        if quoted:
            quotes = np.flatnonzero(buf == 34)
            if len(quotes) % 2:
                return False
            # opening quotes (even index) must start a field; closing quotes (odd index)
            # must end one; "" inside a quoted field is a closing+opening pair.
            sep = np.zeros(256, dtype=bool)
            sep[[44, 10, 13, 34]] = True
            opening, closing = quotes[0::2], quotes[1::2]
            prev = np.where(opening > 0, buf[np.maximum(opening - 1, 0)], 44)
            nxt_b = np.where(closing < n - 1, buf[np.minimum(closing + 1, n - 1)], 44)
            if not (sep[prev].all() and sep[nxt_b].all()):
                return False
            # a position is structural when an even number of quotes precede it
            rec_breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
            commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
        starts = np.empty(len(rec_breaks) + 1, dtype=np.int64)
        starts[0] = 0
        starts[1:] = rec_breaks + 1
        ends = np.empty(len(rec_breaks) + 1, dtype=np.int64)
        ends[:-1] = rec_breaks
        ends[-1] = n
        if len(rec_breaks):
            # the CR of a CRLF pair is part of the line ending, not the content
            crlf = (buf[rec_breaks] == 10) & (rec_breaks > 0) & \
                (buf[np.maximum(rec_breaks - 1, 0)] == 13)
            ends[:-1] -= crlf
        if starts[-1] >= n:  # file ends with a line break
            starts, ends = starts[:-1], ends[:-1]
        lengths = ends - starts
        ncomma = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
        blank = lengths == 0
        # physical (1-based) line on which each record starts
        phys = np.searchsorted(breaks, starts) + 1 if quoted else np.arange(1, len(starts) + 1)

        def is_ws_line(i: int) -> bool:
            return ncomma[i] == 0 and data[starts[i]:ends[i]].strip(_WS) in _BLANKISH

        h = 0
        while h < len(starts) and (blank[h] or is_ws_line(h)):
            h += 1
        if h >= len(starts):
            raise FileError("file is empty")
        self.header_line = int(phys[h])
        head = data[starts[h]:ends[h]].decode("utf-8")
        if quoted:
            fields = next(csv.reader(io.StringIO(head, newline="")), [])
        else:
            fields = head.split(",")
        if len(fields) != ncomma[h] + 1:
            return False
        self._header = _header_checks(fields, self.header_line, self.limits)
        # whitespace-only lines count as blank (pandas skips them too)
        cand = np.flatnonzero((ncomma == 0) & ~blank)
        cand = cand[cand > h]
        for i in cand:
            if data[starts[i]:ends[i]].strip(_WS) in _BLANKISH:
                blank[i] = True
        self._fast = (phys, lengths, ncomma, blank, h)
        return True

    def _fast_records(self, positions: list[int]) -> Records:
        phys, lengths, ncomma, blank, h = self._fast
        width = len(self._header)
        idx = np.flatnonzero(~blank)
        idx = idx[idx > h]
        blank_lines = int(blank[h + 1:].sum())
        if len(idx) > self.limits.max_rows:
            raise FileError(f"too many rows: {len(idx):,} (the limit is {self.limits.max_rows:,})")
        lines = phys[idx].astype(np.int64)
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
        try:
            df = pd.read_csv(
                io.BytesIO(self.data), header=0, names=list(range(width)), usecols=positions,
                dtype=str, na_filter=False, keep_default_na=False, engine="c",
                skip_blank_lines=True, encoding="utf-8", quotechar='"', doublequote=True)
        except (pd.errors.ParserError, ValueError):
            df = None
        if df is None or len(df) != len(idx):  # disagreement: use the exact, slow path
            return self._csv_records_from_scratch(positions)
        rec.columns = {p: df[p] for p in positions}
        return rec

    # ------------------------------------------------------------------ exact (csv module) path
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
        raise FileError("file is empty")

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
        self.use_csv_module = True
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
            if len(lines) + bad_count >= limit:
                raise FileError(f"too many rows: more than {limit:,} (the limit is {limit:,})")
            if len(fields) != width:
                bad_count += 1
                if len(bad) < self.limits.max_errors_reported:
                    bad.append((start, len(fields)))
                continue
            lines.append(start)
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
        if self.use_csv_module:
            return self._csv_records(positions)
        return self._fast_records(positions)
