"""Value parsing of upload columns, vectorised over a whole column: integers,
numbers, ISO dates, yes/no values and text, each collecting its errors
(line, column, value, reason) without formatting more than are shown.
Pure numpy/pandas; used by :mod:`.parsing`."""
from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd

from .columns import FieldSpec

MIN_YEAR, MAX_YEAR = 1900, 2100
_VALUE_CLIP = 100
_NA_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


# ---------------------------------------------------------------------------- errors


def clip(value) -> str | None:
    if value is None:
        return None
    value = str(value)
    return value if len(value) <= _VALUE_CLIP else value[:_VALUE_CLIP] + "…"


class Errors:
    """Collects vectorised error masks; formats only the first N."""

    def __init__(self, lines: np.ndarray):
        self.lines = lines
        self.checks: list[tuple[np.ndarray, str | None, object, object]] = []
        self.count = 0

    def add(self, positions: np.ndarray, column: str | None, values,
            reason: str | Callable[[int], str]) -> None:
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions):
            self.checks.append((positions, column, values, reason))
            self.count += len(positions)

    def render(self, limit: int) -> list[dict]:
        if not self.checks or limit <= 0:
            return []
        pos = np.concatenate([c[0] for c in self.checks])
        chk = np.concatenate([np.full(len(c[0]), i, dtype=np.int64)
                              for i, c in enumerate(self.checks)])
        order = np.lexsort((chk, self.lines[pos]))[:limit]
        out = []
        for o in order:
            p, c = int(pos[o]), int(chk[o])
            _, column, values, reason = self.checks[c]
            if values is None:
                value = None
            elif callable(values):
                value = values(p)
            else:
                value = values.iat[p]
            out.append({
                "line": int(self.lines[p]),
                "column": column,
                "value": clip(value),
                "reason": reason(p) if callable(reason) else reason,
            })
        return out


class MaskedErrors:
    """Error sink that drops rows already reported (e.g. value too long)."""

    def __init__(self, inner: Errors, skip: np.ndarray):
        self.inner, self.skip = inner, skip

    def add(self, positions, column, values, reason):
        positions = np.asarray(positions, dtype=np.int64)
        self.inner.add(positions[~self.skip[positions]], column, values, reason)


# ---------------------------------------------------------------------------- value parsing


def numeric_fail_reason(raw: str) -> str:
    low = raw.lower()
    if low in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
        return "not a finite number"
    if low in _NA_TOKENS:
        return f"missing value ('{raw}') is not allowed here"
    if _NUMBER_RE.fullmatch(raw):
        return "number out of range"
    return "not a number"


def parse_int(raw: pd.Series, spec: FieldSpec, col: str, errs: Errors):
    codes, uniq = pd.factorize(raw, sort=False)
    u = np.asarray(uniq, dtype=object)
    num = pd.to_numeric(pd.Series(u, dtype=object), errors="coerce").to_numpy(np.float64)
    empty = u == ""
    finite = np.isfinite(num)
    whole = finite & (np.floor(np.where(finite, num, 0)) == np.where(finite, num, 0))
    too_small = whole & (num < spec.min)
    too_big = whole & (num > spec.max)
    # reason code per unique value
    rc = np.zeros(len(u), dtype=np.int8)
    rc[~finite] = 2
    rc[finite & ~whole] = 3
    rc[too_small] = 4
    rc[too_big] = 5
    rc[empty] = 1
    row_rc = rc[codes]
    valid = row_rc == 0
    if not valid.all():
        errs.add(np.flatnonzero(row_rc == 1), col, raw, "required value is empty")
        bad_num = np.flatnonzero(row_rc == 2)
        if len(bad_num):
            errs.add(bad_num, col, raw, lambda p: numeric_fail_reason(raw.iat[p]))
        errs.add(np.flatnonzero(row_rc == 3), col, raw, "not a whole number")
        lo = "must not be negative" if spec.min == 0 else f"must be at least {spec.min:g}"
        errs.add(np.flatnonzero(row_rc == 4), col, raw, lo)
        errs.add(np.flatnonzero(row_rc == 5), col, raw, f"number too large (max {spec.max:,.0f})")
    vals = np.where(rc == 0, num, 0).astype(np.int64)[codes]
    return vals, valid


def parse_float(raw: pd.Series, spec: FieldSpec, col: str, errs: Errors, required: bool):
    num = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    valid = np.ones(len(num), dtype=bool)
    bad = np.flatnonzero(~np.isfinite(num))
    if len(bad):
        sub = raw.iloc[bad]
        low = sub.str.lower()
        is_missing = low.isin(_NA_TOKENS).to_numpy()
        if required:
            empty = (sub == "").to_numpy()
            errs.add(bad[empty], col, raw, "required value is empty")
            errs.add(bad[is_missing & ~empty], col, raw,
                     lambda p: f"missing value ('{raw.iat[p]}') is not allowed here")
            other = bad[~is_missing]
            valid[bad] = False
        else:
            num[bad[is_missing]] = np.nan
            other = bad[~is_missing]
            valid[other] = False
        if len(other):
            errs.add(other, col, raw, lambda p: numeric_fail_reason(raw.iat[p]))
    if spec.min is not None or spec.max is not None:
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(num), dtype=bool)
            if spec.min is not None:
                out |= num < spec.min
            if spec.max is not None:
                out |= num > spec.max
        out &= valid
        if out.any():
            errs.add(np.flatnonzero(out), col, raw,
                     f"out of range (must be between {spec.min:g} and {spec.max:g})")
            valid &= ~out
    return num, valid


def parse_date(raw: pd.Series, col: str, errs: Errors):
    codes, uniq = pd.factorize(raw, sort=False)
    us = pd.Series(np.asarray(uniq, dtype=object), dtype=object)
    iso = us.str.fullmatch(_ISO_DATE).fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_datetime(us.where(iso, None), format="%Y-%m-%d", errors="coerce")
    years = parsed.dt.year.to_numpy()
    ok_date = parsed.notna().to_numpy()
    in_range = ok_date & (years >= MIN_YEAR) & (years <= MAX_YEAR)
    rc = np.zeros(len(us), dtype=np.int8)
    rc[iso & ~ok_date] = 3
    rc[ok_date & ~in_range] = 4
    rc[~iso] = 2
    rc[(us == "").to_numpy()] = 1
    row_rc = rc[codes]
    valid = row_rc == 0
    if not valid.all():
        errs.add(np.flatnonzero(row_rc == 1), col, raw, "required value is empty")
        errs.add(np.flatnonzero(row_rc == 2), col, raw, "not a date in YYYY-MM-DD format")
        errs.add(np.flatnonzero(row_rc == 3), col, raw, "invalid date (no such day)")
        errs.add(np.flatnonzero(row_rc == 4), col, raw,
                 f"date out of range (years {MIN_YEAR}-{MAX_YEAR})")
    udates = parsed.where(pd.Series(rc == 0)).to_numpy(dtype="datetime64[ns]")
    dows = np.where(rc == 0, parsed.dt.dayofweek.fillna(-1).to_numpy(), -1).astype(np.int8)
    return udates[codes], valid, dows[codes]


def parse_bool(raw: pd.Series, col: str, errs: Errors):
    codes, uniq = pd.factorize(raw, sort=False)
    low = [str(x).lower() for x in uniq]
    val_u = np.array([x in _TRUE for x in low], dtype=bool)
    ok_u = np.array([x in _TRUE or x in _FALSE or x == "" for x in low], dtype=bool)
    valid = ok_u[codes]
    if not valid.all():
        errs.add(np.flatnonzero(~valid), col, raw,
                 "not a valid yes/no value (expected TRUE/FALSE, yes/no, 1/0)")
    return val_u[codes], valid


def parse_str(raw: pd.Series, spec: FieldSpec, col: str, errs: Errors):
    lens = raw.str.len().to_numpy()
    valid = np.ones(len(raw), dtype=bool)
    if spec.required:
        empty = lens == 0
        errs.add(np.flatnonzero(empty), col, raw, "required value is empty")
        valid &= ~empty
    if spec.max_len is not None:
        long = lens > spec.max_len
        errs.add(np.flatnonzero(long), col, raw,
                 lambda p: f"text too long ({lens[p]} characters, max {spec.max_len})")
        valid &= ~long
    vals = raw.to_numpy(dtype=object)
    if not spec.required:
        vals = np.where(lens == 0, None, vals)
    return vals, valid
