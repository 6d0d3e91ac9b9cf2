"""CSV written for people: every file the product lets users download goes
through :func:`safe_cell` (via :func:`csv_writer`), so a spreadsheet never runs
a formula that came from uploaded or typed data (OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
gets a leading apostrophe, which spreadsheets show as text. Numbers (int,
float, Decimal) and text that is a plain number (``-49.5``, ``+3``, ``1e-5``)
are left alone, so exported figures stay numeric."""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row: Iterable) -> list:
    return [safe_cell(v) for v in row]


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self._writer.writerow(safe_row(row))


def csv_writer(fileobj, **kwargs) -> _SafeWriter:
    """``csv.writer`` whose rows are made formula-safe."""
    return _SafeWriter(csv.writer(fileobj, **kwargs))
