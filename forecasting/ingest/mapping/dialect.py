"""How a retailer's text file is written, read from its first lines: delimiter, decimal mark, date format,
and the planning frequency its dates imply. Pure Python and pandas, no Django."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from forecasting.ingest.mapping.roles import DELIMITERS
from forecasting.ml.periods import WEEKDAYS

SAMPLE_LINES = 200
# tried in this order; ISO first (None in a mapping), the day-first European forms before the US one
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d", "%d.%m.%y")
_DECIMAL_COMMA = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DECIMAL_POINT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)\.\d+$")


@dataclass(frozen=True)
class Table:
    """The first lines of a file, split: ``header`` and up to SAMPLE_LINES ``rows`` of text cells."""

    header: list[str]
    rows: list[list[str]]
    delimiter: str

    def column(self, i: int) -> list[str]:
        return [r[i].strip() for r in self.rows if i < len(r) and r[i].strip() not in ("", "NA", "NaN", "null")]


def decode(sample: bytes) -> str:
    """UTF-8 (a byte order mark dropped), else Windows-1252, the two encodings retailers' exports use."""
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut at the sample's end
            text = sample[: exc.start].decode("utf-8-sig")
        else:
            text = sample.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields, most fields
    first; ',' when none does."""
    lines = [line for line in text.split("\n")[:50] if line.strip()]
    best, best_fields = ",", 1
    for delim in DELIMITERS:
        counts = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)}
        if len(counts) == 1 and (n := counts.pop()) > best_fields:
            best, best_fields = delim, n
    return best


def read_table(sample: bytes, delimiter: str | None = None) -> Table:
    text = decode(sample)
    delim = delimiter or sniff_delimiter(text)
    lines = text.split("\n")
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the sample cut a line
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines[: SAMPLE_LINES + 1])), delimiter=delim) if r]
    if not rows:
        return Table([], [], delim)
    return Table([h.strip() for h in rows[0]], rows[1:], delim)


def decimal_mark(table: Table) -> str:
    """',' when numbers are written 1.234,5 / 3,14 and never 3.14; else '.'."""
    comma = point = 0
    for i in range(len(table.header)):
        for value in table.column(i):
            comma += bool(_DECIMAL_COMMA.match(value))
            point += bool(_DECIMAL_POINT.match(value)) and not _DECIMAL_COMMA.match(value)
    return "," if comma and not point and table.delimiter != "," else "."


def to_number(value: str, decimal: str) -> float | None:
    v = value.strip()
    if decimal == ",":
        v = v.replace(".", "").replace(",", ".")
    else:
        v = v.replace(",", "")
    try:
        return float(v)
    except ValueError:
        return None


def is_number_column(values: list[str], decimal: str) -> bool:
    return bool(values) and all(to_number(v, decimal) is not None for v in values)


def date_formats(values: list[str]) -> list[str]:
    """The formats that read every value (most likely first)."""
    if not values:
        return []
    out = []
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                datetime.strptime(v, fmt)
        except ValueError:
            continue
        out.append(fmt)
    return out


def parse_dates(values: list[str], fmt: str) -> list[date]:
    return [datetime.strptime(v, fmt).date() for v in values]


def infer_frequency(dates: list[date], period_label: str = "start") -> str | None:
    """``D``, ``W-<DAY>`` (pandas' name: weeks ending on DAY) or ``MS`` from the spacing of the distinct
    dates; None with fewer than two."""
    days = sorted(set(dates))
    if len(days) < 2:
        return None
    gaps = sorted((b - a).days for a, b in zip(days, days[1:]))
    step = gaps[0]
    if step == 1:
        return "D"
    if step % 7 == 0 and len({d.weekday() for d in days}) == 1:
        end = days[0].weekday() if period_label == "end" else (days[0].weekday() + 6) % 7
        return f"W-{WEEKDAYS[end]}"
    if 28 <= step <= 31 and (len({d.day for d in days}) == 1 or all(_month_end(d) for d in days)):
        return "MS"
    return None


def _month_end(d: date) -> bool:
    return date.fromordinal(d.toordinal() + 1).day == 1
