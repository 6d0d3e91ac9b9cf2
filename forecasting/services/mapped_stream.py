"""A mapped sales file of plain text read in chunks with bounded memory (issue 17, acceptance 7), inside the
upload's one load transaction (forecasting/services/mapped_uploads.py's ``_Prepare``): each chunk is read
and checked as a whole file is (forecasting/ingest/mapping/fastread.py, else read.py), one chunk ahead in a
thread, and its codes become the catalogue's ids. A daily file into a workspace with no sales and no
covariates goes straight into the stored tables (forecasting/services/mapped_direct.py); any other file, or
one the direct way gives up on, goes by binary COPY to a temporary table, then PostgreSQL finds duplicates
across chunks, sums finer rows into the workspace's periods and writes the sales and the file's covariates.
A bad cell, a duplicate or a refused location anywhere and nothing is stored (``LoadRefused``: the
transaction rolls back, the catalogue's new codes with it)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection, transaction

from forecasting.ingest.mapping import canonical
from forecasting.ingest.mapping.fastread import Restart, fast_chunks, prefetched
from forecasting.ingest.mapping.read import FileFormatError, MappedFile, read_mapped_chunks
from forecasting.ingest.pgcopy import encode_columns
from forecasting.ml.periods import label_to_start
from forecasting.services.catalog import data_settings_locked
from forecasting.services.covariates import covariate_specs_save
from forecasting.services.mapped_direct import LAST_STEPS, NotDirect, direct_load
from forecasting.services.mapped_direct import step as _step
from forecasting.services.upload_loading import LoadCounts, _ident, _rebuildable_pk
from forecasting.services.upload_outcome import LoadRefused

CHUNK_ROWS = 200_000
_REBUILD_MIN_ROWS = 50_000
_SALES_UPSERT = """
    WITH up AS (
        INSERT INTO forecasting_salesrecord AS t (store, dept, date, sales, is_holiday)
        SELECT store, dept, date, value, hol FROM ({source}) s
        ON CONFLICT (store, dept, date) DO UPDATE SET sales = EXCLUDED.sales, is_holiday = EXCLUDED.is_holiday
            WHERE (t.sales, t.is_holiday) IS DISTINCT FROM (EXCLUDED.sales, EXCLUDED.is_holiday)
        RETURNING (xmax = 0) AS ins
    ) SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up"""


def _refuse(reason: str) -> LoadRefused:
    return LoadRefused([{"line": None, "column": None, "value": None, "reason": reason}])


def _covariates(mapping) -> list[tuple[str, str, str]]:
    """(name, role, kind) of the file's covariates, by name."""
    return sorted((r.split(":")[1], r, r.split(":")[2]) for r in mapping.roles() if r.startswith("covariate:"))


def _stage(cur, frame: pd.DataFrame, ids: dict, covs: list) -> None:
    with _step("encode"):
        payload = _encode(frame, ids, covs)
    with _step("COPY to _mapped"):
        cur.cursor.copy_expert("COPY _mapped FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload), size=1 << 20)


def _encode(frame: pd.DataFrame, ids: dict, covs: list) -> memoryview:
    keys = canonical.keys(frame, ids)
    hol = frame["event"] if "event" in frame else pd.Series(False, index=frame.index)
    columns = [(frame.index.to_numpy() + 2, "int4"), (keys["store"].to_numpy(), "int4"),
               (keys["dept"].to_numpy(), "int4"), (pd.to_datetime(frame["date"]).to_numpy(), "date"),
               (frame["measure"].to_numpy(dtype=float), "float8"),
               (frame["open"].to_numpy(dtype=bool) if "open" in frame else np.ones(len(frame), bool), "bool"),
               ((hol.astype(bool) if hol.dtype == bool else hol.astype(str).str.len() > 0).to_numpy(), "bool"),
               *((frame[role].to_numpy(dtype=float), "float8") for _, role, _ in covs)]
    return encode_columns(columns)


def _read_all(prepare, cur, path: str, max_rows: int, covs: list) -> tuple[int, set, dict]:
    """The fast reader's chunks, or (a file it cannot read exactly as pandas does) the general reader's."""
    def stage(frame, ids):
        _stage(cur, frame, ids, covs)

    try:
        return _read(prepare, max_rows, fast_chunks(path, prepare.mapping, rows=CHUNK_ROWS), stage)
    except Restart:
        cur.execute("TRUNCATE _mapped")
    return _read(prepare, max_rows, read_mapped_chunks(path, prepare.mapping, rows=CHUNK_ROWS), stage)


def _read(prepare, max_rows: int, chunks, stage) -> tuple[int, set, dict]:
    """Every chunk read, checked and staged: (rows, distinct dates, code -> id by side)."""
    errors = MappedFile(frame=pd.DataFrame(), rows=0)
    dates, ids = set(), {"location": {}, "item": {}}
    chunks = prefetched(chunks)
    try:
        while True:
            with _step("read and check"):
                chunk = next(chunks, None)
            if chunk is None:
                break
            errors.rows += chunk.rows
            if errors.rows > max_rows:
                raise _refuse(f"too many rows: more than {max_rows:,} (your plan reads up to {max_rows:,} per upload)")
            if chunk.error_count or errors.error_count:  # the rest is only checked, to name every bad cell
                errors.errors.extend(chunk.errors[: 1000 - len(errors.errors)])
                errors.error_count += chunk.error_count
                continue
            with _step("codes to ids"):
                chunk_ids = {side: prepare.ids(side, chunk.frame) for side in ("location", "item")}
                prepare.check_scope(chunk.frame, chunk_ids)
                for side in ids:
                    ids[side].update(chunk_ids[side])
                dates.update(pd.to_datetime(pd.unique(chunk.frame["date"])).date)
            stage(chunk.frame, chunk_ids)
    except FileFormatError as exc:
        raise _refuse(str(exc)) from None
    finally:
        chunks.close()  # the reading thread stops
    if errors.error_count:
        raise LoadRefused(errors.errors, errors.error_count)
    return errors.rows, dates, ids


def _duplicates(cur, mapping, ids: dict) -> None:
    cur.execute("SELECT line, first_line, store, dept, date FROM (SELECT line, store, dept, date, min(line) OVER "
                "(PARTITION BY store, dept, date) AS first_line FROM _mapped) d WHERE line > first_line "
                "ORDER BY line LIMIT 1000")
    rows = cur.fetchall()
    if not rows:
        return
    cur.execute("SELECT count(*) - count(DISTINCT (store, dept, date)) FROM _mapped")
    total = cur.fetchone()[0]
    roles = [r for r in ("location", "item", "date") if r in mapping.roles()]
    columns = ", ".join(h for h, r in mapping.columns.items() if r in roles)
    code = {side: {v: k for k, v in ids[side].items()} for side in ids}
    errors = []
    for line, first, store, dept, day in rows:
        key = {"location": code["location"].get(store), "item": code["item"].get(dept), "date": day}
        errors.append({"line": line, "column": columns, "value": " / ".join(str(key[r]) for r in roles)[:100],
                       "reason": f"the same {' and '.join(roles)} as line {first}"})
    raise LoadRefused(errors, int(total))


def _periods(cur, dates: set, freq: str, label: str) -> bool:
    """``_periods`` (date -> the stored date of its period); True when every date is its own period."""
    days = pd.Series(pd.to_datetime(sorted(dates)))
    stored = canonical.stored_period(label_to_start(days, freq, label), freq)
    cur.execute("CREATE TEMP TABLE _periods (date date PRIMARY KEY, period date) ON COMMIT DROP")
    cur.cursor.copy_expert("COPY _periods FROM STDIN WITH (FORMAT binary)", io.BytesIO(
        encode_columns([(days.to_numpy(), "date"), (stored.to_numpy(), "date")])))
    return bool((days == stored).all())


def _write_sales(cur, identity: bool, rows: int) -> tuple[LoadCounts, int]:
    if identity:  # one row per period: no sums
        source = "SELECT store, dept, date, value, hol FROM _mapped WHERE open"
        cur.execute("SELECT count(*) FILTER (WHERE NOT open) FROM _mapped")
    else:
        source = ("SELECT store, dept, period AS date, sum(value) FILTER (WHERE open) AS value, bool_or(hol) AS hol "
                  "FROM _mapped JOIN _periods USING (date) GROUP BY store, dept, period")
        cur.execute("CREATE TEMP TABLE _summed ON COMMIT DROP AS " + source)
        source = "SELECT * FROM _summed WHERE value IS NOT NULL"
        cur.execute("SELECT count(*) FILTER (WHERE value IS NULL) FROM _summed")
    closed = cur.fetchone()[0]
    table = "forecasting_salesrecord"
    cur.execute("SELECT pg_relation_size(%s::regclass)", [table])
    pk = _rebuildable_pk(cur, table) if cur.fetchone()[0] == 0 and rows >= _REBUILD_MIN_ROWS else None
    cur.execute(f"LOCK TABLE {table} IN {'ACCESS EXCLUSIVE' if pk else 'SHARE ROW EXCLUSIVE'} MODE")
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    if cur.fetchone()[0]:
        cur.execute(_SALES_UPSERT.format(source=source))
        inserted, updated = cur.fetchone()
        cur.execute(f"SELECT count(*) FROM ({source}) s")
        total = cur.fetchone()[0]
        return LoadCounts(inserted=inserted, updated=updated, unchanged=total - inserted - updated), closed
    if pk:
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_ident(pk[0])}")
    cur.execute(f"INSERT INTO {table} (store, dept, date, sales, is_holiday) {source}")
    inserted = cur.rowcount
    if pk:
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_ident(pk[0])} {pk[1]}")
    return LoadCounts(inserted=inserted, updated=0, unchanged=0), closed


def _write_covariates(cur, covs: list, identity: bool, sides: set) -> None:
    store = "store" if "location" in sides else "0"
    dept = "dept" if "item" in sides else "0"
    for i, (name, _, _) in enumerate(covs):
        if identity:
            source = f"SELECT %s, {store}, {dept}, date, c{i} FROM _mapped WHERE c{i} <> 'NaN'::float8"
        else:
            source = (f"SELECT %s, {store}, {dept}, period, avg(c{i}) FROM _mapped JOIN _periods USING (date) "
                      f"WHERE c{i} <> 'NaN'::float8 GROUP BY 2, 3, 4")
        cur.execute("SELECT EXISTS (SELECT 1 FROM forecasting_covariate WHERE name = %s)", [name])
        conflict = " ON CONFLICT (name, store, dept, date) DO UPDATE SET value = EXCLUDED.value" \
            if cur.fetchone()[0] else ""
        cur.execute(f"INSERT INTO forecasting_covariate (name, store, dept, date, value) {source}{conflict}", [name])


def _staged(prepare, cur, path: str, max_rows: int, covs: list, sides: set, settings) -> tuple:
    """Every row through ``_mapped``: duplicates named by SQL, finer days summed, an upsert into stored rows."""
    mapping = prepare.mapping
    cur.execute("CREATE TEMP TABLE _mapped (line integer, store integer, dept integer, date date, "
                "value double precision, open boolean, hol boolean"
                + "".join(f", c{i} double precision" for i in range(len(covs))) + ") ON COMMIT DROP")
    rows, dates, ids = _read_all(prepare, cur, path, max_rows, covs)
    with _step("duplicates"):
        _duplicates(cur, mapping, ids)
    with _step("periods"):
        freq = prepare.frequency(pd.DataFrame({"date": sorted(dates)}), settings)
        identity = _periods(cur, dates, freq, mapping.period_label)
    with _step("sales"):
        counts, closed = _write_sales(cur, identity, rows)
    with _step("covariates"):
        _write_covariates(cur, covs, identity, sides)
    cur.execute("DROP TABLE _mapped")
    return rows, dates, ids, freq, counts, closed


def _direct_or_none(prepare, cur, path: str, max_rows: int, covs: list, sides: set, settings) -> tuple | None:
    """A daily file into a workspace with no sales and no covariates yet: each chunk straight into the stored
    tables by binary COPY, their primary keys rebuilt at the end (forecasting/services/mapped_direct.py). None, and nothing of it
    left (a savepoint), when that does not apply: a repeated key (``_staged`` names both lines), coarser
    periods, a file the fast reader restarts."""
    try:
        with transaction.atomic():
            return direct_load(prepare, cur, path=path, max_rows=max_rows, covs=covs, sides=sides,
                               settings=settings, read=_read, chunk_rows=CHUNK_ROWS)
    except NotDirect:
        return None


def sales_stream(prepare, result, *, path: str, max_rows: int) -> LoadCounts:
    """``prepare``: the upload's ``_Prepare`` (its mapping, ids, scope, frequency and settings);
    ``result``: the ParseResult whose rows, warnings and (small) catalogue frame are set here."""
    LAST_STEPS.clear()
    mapping = prepare.mapping
    settings = data_settings_locked()
    covs = _covariates(mapping)
    sides = {r for r in ("location", "item") if r in mapping.roles()}
    with connection.cursor() as cur:
        done = _direct_or_none(prepare, cur, path, max_rows, covs, sides, settings)
        if done is None:
            done = _staged(prepare, cur, path, max_rows, covs, sides, settings)
        rows, dates, ids, freq, counts, closed = done
        result.rows_total = result.stats["rows"] = rows
    if covs:
        covariate_specs_save({name: kind for name, _, kind in covs}, canonical.LEVELS[frozenset(sides)])
    result.warnings = canonical.ignored(mapping) + (
        [f"{closed:,} series-period(s) with no open day: left as gaps, not zeros."] if closed else [])
    prepare.settle(settings, freq)
    locations, items = sorted(ids["location"].values()), sorted(ids["item"].values())
    n = max(len(locations), len(items), 1)
    last = canonical.stored_period(label_to_start(pd.Series(pd.to_datetime([max(dates)])), freq,
                                                  mapping.period_label), freq)
    result.frame = pd.DataFrame({"store": np.resize(locations, n), "dept": np.resize(items, n),
                                 "date": np.resize(last.to_numpy(), n)})  # for catalog_register
    return counts
