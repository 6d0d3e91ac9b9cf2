"""A mapped daily sales file into a workspace that stores no sales and no covariates yet (issue 17, acceptance 7):
each checked chunk (forecasting/services/mapped_stream.py reads them) goes straight into
``forecasting_salesrecord`` (its open days) and ``forecasting_covariate`` (one row per value) by binary COPY,
with their primary keys dropped and rebuilt at the end, as upload_loading.py does for an empty table. The keys
of closed days go to a small temporary table.

A key repeated anywhere makes a primary key fail to build, or shows among the closed days' keys; a file whose
periods turn out coarser than its days, or one the fast reader restarts: ``NotDirect``, and the caller's
savepoint undoes it all so that the staged path (which names both lines of a repeated key) reads the file
again. The same rows and counts as the staged path: sales of open days, ``inserted`` = their number."""
from __future__ import annotations

import io
import tempfile
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.db import IntegrityError

from forecasting.ingest.mapping import canonical
from forecasting.ingest.mapping.fastread import Restart, fast_chunks
from forecasting.ingest.pgcopy import HEADER, TRAILER, encode_columns
from forecasting.ml.periods import label_to_start
from forecasting.services.upload_loading import LoadCounts, _ident, _rebuildable_pk

SALES, COVARIATES = "forecasting_salesrecord", "forecasting_covariate"
_COV_COLUMNS = "name, store, dept, date, value"
ENABLED = True
_SORT_MEMORY = "256MB"  # the server's, for building the keys (64 MB by default: 10 M rows sorted in files)
LAST_STEPS: dict[str, float] = {}  # seconds per step of the last mapped sales load (bench/ingest.py prints them)


class NotDirect(Exception):
    """The file goes the staged way."""


@contextmanager
def step(name: str):
    t = time.perf_counter()
    try:
        yield
    finally:
        LAST_STEPS[name] = LAST_STEPS.get(name, 0.0) + time.perf_counter() - t


def _copy(cur, table: str, columns: str, payload) -> None:
    cur.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload),
                           size=1 << 20)


def _lock_empty(cur, tables: list[str]) -> list[tuple[str, str]]:
    """Each table locked and empty with its primary key as its only index: the keys (name, definition)."""
    cur.execute("LOCK TABLE forecasting_location, forecasting_item IN SHARE ROW EXCLUSIVE MODE")  # as ids() does
    pks = []
    for table in tables:
        cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        pk = None if cur.fetchone()[0] else _rebuildable_pk(cur, table)
        if pk is None:
            raise NotDirect
        pks.append(pk)
    return pks


def _not_daily(frame: pd.DataFrame, settings, prepare) -> bool:
    """The first chunk's dates already say the periods are not days (one date alone says nothing)."""
    if settings.frequency:
        return False
    dates = pd.to_datetime(pd.unique(frame["date"])).date
    return canonical.file_frequency(pd.DataFrame({"date": sorted(dates)}), prepare.mapping) not in (None, "D")


def direct_load(prepare, cur, *, path: str, max_rows: int, covs: list, sides: set, settings, read,
                chunk_rows: int) -> tuple:
    """(rows, dates, ids, freq, counts, closed) as mapped_stream's staged path gives them, or ``NotDirect``.
    ``read``: mapped_stream's ``_read``."""
    if not ENABLED or settings.frequency not in ("", "D"):
        raise NotDirect
    tables = [SALES] + ([COVARIATES] if covs else [])
    pks = _lock_empty(cur, tables)
    for table, (name, _) in zip(tables, pks):
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_ident(name)}")
    cur.execute("CREATE TEMP TABLE _closed (store integer, dept integer, date date) ON COMMIT DROP")
    names = [(name.encode(), role) for name, role, _ in covs]
    # the first covariate goes straight in, the others wait in files on disk: the table then holds each
    # covariate's rows together, in the file's order, and its primary key builds from nearly sorted rows
    spools = [None] + [tempfile.TemporaryFile() for _ in names[1:]]
    for spool in spools[1:]:
        spool.write(HEADER)
    written = {"sales": 0, "closed": 0}

    def stage(frame: pd.DataFrame, ids: dict) -> None:
        if not written["sales"] + written["closed"] and _not_daily(frame, settings, prepare):
            raise NotDirect
        with step("encode"):
            keys = canonical.keys(frame, ids)
            store, dept = keys["store"].to_numpy(), keys["dept"].to_numpy()
            day = pd.to_datetime(frame["date"]).to_numpy()
            is_open = frame["open"].to_numpy(dtype=bool) if "open" in frame else np.ones(len(frame), bool)
            hol = frame["event"] if "event" in frame else pd.Series(False, index=frame.index)
            hol = (hol.astype(bool) if hol.dtype == bool else hol.astype(str).str.len() > 0).to_numpy()
            value = frame["measure"].to_numpy(dtype=float)
            sales = encode_columns([(store[is_open], "int4"), (dept[is_open], "int4"), (day[is_open], "date"),
                                    (value[is_open], "float8"), (hol[is_open], "bool")])
        with step("COPY sales"):
            _copy(cur, SALES, "store, dept, date, sales, is_holiday", sales)
        written["sales"] += int(is_open.sum())
        if not is_open.all():
            shut = ~is_open
            _copy(cur, "_closed", "store, dept, date", encode_columns(
                [(store[shut], "int4"), (dept[shut], "int4"), (day[shut], "date")]))
            written["closed"] += int(shut.sum())
        cov_store = store if "location" in sides else np.zeros(len(frame), np.int32)
        cov_dept = dept if "item" in sides else np.zeros(len(frame), np.int32)
        for (name, role), spool in zip(names, spools):
            with step("encode"):
                v = frame[role].to_numpy(dtype=float)
                keep = ~np.isnan(v)
                payload = encode_columns([(np.full(int(keep.sum()), name, dtype=f"S{len(name)}"), "text"),
                                          (cov_store[keep], "int4"), (cov_dept[keep], "int4"),
                                          (day[keep], "date"), (v[keep], "float8")])
            with step("COPY covariates"):
                if spool is None:
                    _copy(cur, COVARIATES, _COV_COLUMNS, payload)
                else:
                    spool.write(payload[len(HEADER):len(payload) - len(TRAILER)])

    try:
        rows, dates, ids = read(prepare, max_rows, fast_chunks(path, prepare.mapping, rows=chunk_rows), stage)
        with step("COPY covariates"):
            for spool in spools[1:]:
                spool.write(TRAILER)
                spool.seek(0)
                cur.cursor.copy_expert(f"COPY {COVARIATES} ({_COV_COLUMNS}) FROM STDIN WITH (FORMAT binary)",
                                       spool, size=1 << 20)
    except Restart:
        raise NotDirect from None
    finally:
        for spool in spools[1:]:
            spool.close()
    with step("periods"):
        freq = prepare.frequency(pd.DataFrame({"date": sorted(dates)}), settings)
        days = pd.Series(pd.to_datetime(sorted(dates)))
        if freq != "D" or not (canonical.stored_period(label_to_start(days, freq, prepare.mapping.period_label),
                                                       freq) == days).all():
            raise NotDirect
    with step("primary keys"):
        cur.execute(f"SET LOCAL maintenance_work_mem = '{_SORT_MEMORY}'")  # a sort in memory, not in files
        for table, (name, definition) in zip(tables, pks):
            try:
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_ident(name)} {definition}")
            except IntegrityError:
                raise NotDirect from None  # a key twice: the staged path names both lines
    if written["closed"]:
        cur.execute("SELECT EXISTS (SELECT 1 FROM _closed GROUP BY store, dept, date HAVING count(*) > 1) "
                    f"OR EXISTS (SELECT 1 FROM _closed c JOIN {SALES} s USING (store, dept, date))")
        if cur.fetchone()[0]:
            raise NotDirect
    cur.execute("DROP TABLE _closed")
    return rows, dates, ids, freq, LoadCounts(inserted=written["sales"], updated=0, unchanged=0), written["closed"]

