"""Loading a validated upload's frame into the tenant's tables, inside the
caller's transaction: ``load_frame`` upserts on the natural key and counts
inserted / updated / unchanged rows. Sales use a binary COPY fast path that
diffs against the table; the other kinds an upsert from CSV COPY."""
from __future__ import annotations

import io
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from forecasting.ingest.copy_csv import to_copy_csv
from forecasting.ingest.pgcopy import binary_supported, from_copy_binary, to_copy_binary


@dataclass
class LoadCounts:
    inserted: int
    updated: int
    unchanged: int


_SQL = {
    "sales": {
        "staging": "store integer, dept integer, date date, sales double precision, is_holiday boolean",
        "columns": "store, dept, date, sales, is_holiday",
        "upsert": """
            WITH up AS (
                INSERT INTO forecasting_salesrecord AS t (store, dept, date, sales, is_holiday)
                SELECT store, dept, date, sales, is_holiday FROM _staging
                ON CONFLICT (store, dept, date) DO UPDATE
                    SET sales = EXCLUDED.sales, is_holiday = EXCLUDED.is_holiday
                    WHERE (t.sales, t.is_holiday) IS DISTINCT FROM (EXCLUDED.sales, EXCLUDED.is_holiday)
                RETURNING (xmax = 0) AS ins
            ) SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up""",
        "copy_direct": "COPY forecasting_salesrecord (store, dept, date, sales, is_holiday) FROM STDIN WITH (FORMAT csv)",
        "target": "forecasting_salesrecord",
    },
    "features": {
        "staging": ("store integer, date date, temperature double precision, fuel_price double precision, "
                    "markdown1 double precision, markdown2 double precision, markdown3 double precision, "
                    "markdown4 double precision, markdown5 double precision, cpi double precision, "
                    "unemployment double precision, is_holiday boolean"),
        "columns": ("store, date, temperature, fuel_price, markdown1, markdown2, markdown3, markdown4, markdown5, "
                    "cpi, unemployment, is_holiday"),
        "upsert": """
            WITH up AS (
                INSERT INTO forecasting_storeweek AS t (store, date, temperature, fuel_price, markdown1, markdown2,
                    markdown3, markdown4, markdown5, cpi, unemployment, is_holiday)
                SELECT store, date, temperature, fuel_price, markdown1, markdown2, markdown3, markdown4, markdown5,
                    cpi, unemployment, is_holiday FROM _staging
                ON CONFLICT (store, date) DO UPDATE SET
                    temperature = EXCLUDED.temperature, fuel_price = EXCLUDED.fuel_price,
                    markdown1 = EXCLUDED.markdown1, markdown2 = EXCLUDED.markdown2, markdown3 = EXCLUDED.markdown3,
                    markdown4 = EXCLUDED.markdown4, markdown5 = EXCLUDED.markdown5, cpi = EXCLUDED.cpi,
                    unemployment = EXCLUDED.unemployment, is_holiday = EXCLUDED.is_holiday
                    WHERE (t.temperature, t.fuel_price, t.markdown1, t.markdown2, t.markdown3, t.markdown4,
                           t.markdown5, t.cpi, t.unemployment, t.is_holiday)
                      IS DISTINCT FROM (EXCLUDED.temperature, EXCLUDED.fuel_price, EXCLUDED.markdown1,
                           EXCLUDED.markdown2, EXCLUDED.markdown3, EXCLUDED.markdown4, EXCLUDED.markdown5,
                           EXCLUDED.cpi, EXCLUDED.unemployment, EXCLUDED.is_holiday)
                RETURNING (xmax = 0) AS ins
            ) SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up""",
        "target": "forecasting_storeweek",
    },
    "stores": {
        "staging": "store integer, type text, size integer, name text, latitude double precision, longitude double precision",
        "columns": "store, type, size, name, latitude, longitude",
        "upsert": """
            WITH up AS (
                INSERT INTO forecasting_store AS t (number, type, size, name, latitude, longitude)
                SELECT store, coalesce(type, ''), size, name, latitude, longitude FROM _staging
                ON CONFLICT (number) DO UPDATE SET
                    type = EXCLUDED.type, size = EXCLUDED.size,
                    name = coalesce(EXCLUDED.name, t.name), latitude = coalesce(EXCLUDED.latitude, t.latitude),
                    longitude = coalesce(EXCLUDED.longitude, t.longitude)
                    WHERE (t.type, t.size, t.name, t.latitude, t.longitude) IS DISTINCT FROM
                          (EXCLUDED.type, EXCLUDED.size, coalesce(EXCLUDED.name, t.name),
                           coalesce(EXCLUDED.latitude, t.latitude), coalesce(EXCLUDED.longitude, t.longitude))
                RETURNING (xmax = 0) AS ins
            ) SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up""",
        "target": "forecasting_store",
    },
}


def load_frame(*, kind: str, frame) -> LoadCounts:
    """Write the validated frame into the tenant's table by natural key and count
    inserted / updated / unchanged rows. Runs inside the caller's transaction (in
    a savepoint of its own): any failure and nothing is written.

    Frames that can be sent as binary COPY (sales) take :func:`_load_binary`; the
    others stage CSV with COPY and upsert with ``INSERT ... ON CONFLICT``."""
    _LAST_LOAD.clear()
    with transaction.atomic():
        if binary_supported(frame, kind):
            return _load_binary(kind=kind, frame=frame)
        return _load_upsert_csv(kind=kind, frame=frame)


def _load_upsert_csv(*, kind: str, frame) -> LoadCounts:
    """Stage the frame with a CSV COPY and upsert it by natural key. An empty
    target takes a direct COPY (nothing to compare against; the file has no
    duplicate keys). Used for features and stores files (small)."""

    spec = _SQL[kind]
    rows = len(frame)
    buf = to_copy_csv(frame, kind)
    _LAST_LOAD["path"] = "csv"
    with connection.cursor() as cur:
        # one load per table at a time (readers pass): two first loads must not both COPY
        cur.execute(f"LOCK TABLE {spec['target']} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {spec['target']})")
        empty = not cur.fetchone()[0]
        raw = cur.cursor  # psycopg2 cursor for COPY
        if empty and "copy_direct" in spec:
            raw.copy_expert(spec["copy_direct"], buf)
            return LoadCounts(inserted=rows, updated=0, unchanged=0)
        cur.execute(f"CREATE TEMP TABLE _staging ({spec['staging']}) ON COMMIT DROP")
        raw.copy_expert(f"COPY _staging ({spec['columns']}) FROM STDIN WITH (FORMAT csv)", buf)
        cur.execute("ANALYZE _staging")
        cur.execute(spec["upsert"])
        inserted, updated = cur.fetchone()
        cur.execute("DROP TABLE _staging")
    return LoadCounts(inserted=inserted, updated=updated, unchanged=rows - inserted - updated)


# ---- binary fast path (sales): natural key and value columns of each binary kind
_BINARY = {
    "sales": {"keys": ("store", "dept", "date"), "values": ("sales", "is_holiday")},
}
#: an empty table receiving at least this many rows gets its primary key built after the COPY
_REBUILD_MIN_ROWS = 50_000
#: diff client-side when the table (heap bytes) is at most this per uploaded row (a
#: sales row takes ~56 bytes: up to ~2.3x the upload), or small anyway
_CLIENT_DIFF_BYTES_PER_ROW = 128
_CLIENT_DIFF_MIN_BYTES = 16 << 20
_COPY_CHUNK = 1 << 20
#: what the last load_frame call did and how long each step took (diagnostics, bench)
_LAST_LOAD: dict = {}


class _stage:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        _LAST_LOAD[self.name] = _LAST_LOAD.get(self.name, 0.0) + time.perf_counter() - self.t


def _copy_in(cur, sql: str, payload) -> None:
    with _stage("copy"):
        cur.cursor.copy_expert(sql, io.BytesIO(payload), size=_COPY_CHUNK)


def _encode(frame, kind: str, rows=None):
    with _stage("encode"):
        return to_copy_binary(frame, kind, rows=rows)


def _load_binary(*, kind: str, frame) -> LoadCounts:
    """Binary-COPY load, serialised per table by a lock that lets readers through.

    * empty table: COPY straight into it. For a large file the primary key (when it
      is the table's only index and no foreign key references the table) is dropped
      before the COPY and added back after it (one sorted index build instead of an
      index insertion per row) under an ACCESS EXCLUSIVE lock held to commit;
    * otherwise, when the table is not much bigger than the file: read the table's
      rows (binary COPY TO), diff them with the frame in numpy, COPY only the new rows
      straight into the table and UPDATE only the changed ones from a staging table:
      re-uploading unchanged data writes nothing;
    * a small file into a big table: stage it and ``INSERT ... ON CONFLICT``.

    The table lock (SHARE ROW EXCLUSIVE, or ACCESS EXCLUSIVE for the rebuild), taken
    before the table is read, keeps other writers out between the emptiness check /
    diff and the writes: concurrent loads of one tenant run one after the other."""
    spec, bspec = _SQL[kind], _BINARY[kind]
    table, cols = spec["target"], spec["columns"]
    copy_sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT binary)"
    rows = len(frame)
    with connection.cursor() as cur:
        # Decide the lock before touching the table: reading it first would hold a lock
        # that two concurrent loads could each need the other to release (deadlock).
        # pg_relation_size() does not keep a lock; a zero-size table is empty.
        cur.execute("SELECT pg_relation_size(%s::regclass)", [table])
        table_bytes = cur.fetchone()[0]
        pk = _rebuildable_pk(cur, table) if table_bytes == 0 and rows >= _REBUILD_MIN_ROWS else None
        cur.execute(f"LOCK TABLE {table} IN {'ACCESS EXCLUSIVE' if pk else 'SHARE ROW EXCLUSIVE'} MODE")
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        empty = not cur.fetchone()[0]
        if empty:
            payload = _encode(frame, kind)
            if pk:
                _LAST_LOAD["path"] = "empty table: COPY, then build the primary key"
                name, definition = pk
                cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_ident(name)}")
                _copy_in(cur, copy_sql, payload)
                with _stage("index"):
                    cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_ident(name)} {definition}")
            else:
                _LAST_LOAD["path"] = "empty table: COPY"
                _copy_in(cur, copy_sql, payload)
            return LoadCounts(inserted=rows, updated=0, unchanged=0)

        if table_bytes > max(_CLIENT_DIFF_MIN_BYTES, rows * _CLIENT_DIFF_BYTES_PER_ROW):
            _LAST_LOAD["path"] = "big table: staged INSERT ... ON CONFLICT"
            cur.execute(f"CREATE TEMP TABLE _staging ({spec['staging']}) ON COMMIT DROP")
            _copy_in(cur, f"COPY _staging ({cols}) FROM STDIN WITH (FORMAT binary)", _encode(frame, kind))
            with _stage("upsert"):
                cur.execute("ANALYZE _staging")
                cur.execute(spec["upsert"])
                inserted, updated = cur.fetchone()
                cur.execute("DROP TABLE _staging")
            return LoadCounts(inserted=inserted, updated=updated, unchanged=rows - inserted - updated)

        _LAST_LOAD["path"] = "diff with the table, write new and changed rows"
        new, changed = _diff_with_table(cur, kind, frame)
        if len(new):
            _copy_in(cur, copy_sql, _encode(frame, kind, rows=new))
        if len(changed):
            keys, values = bspec["keys"], bspec["values"]
            cur.execute(f"CREATE TEMP TABLE _staging ({spec['staging']}) ON COMMIT DROP")
            _copy_in(cur, f"COPY _staging ({cols}) FROM STDIN WITH (FORMAT binary)",
                     _encode(frame, kind, rows=changed))
            with _stage("update"):
                cur.execute("ANALYZE _staging")
                cur.execute(f"UPDATE {table} AS t SET " + ", ".join(f"{c} = s.{c}" for c in values)
                            + " FROM _staging AS s WHERE " + " AND ".join(f"t.{k} = s.{k}" for k in keys))
                if cur.rowcount != len(changed):  # impossible under the lock; never report wrong counts
                    raise RuntimeError(f"expected to update {len(changed)} rows, updated {cur.rowcount}")
                cur.execute("DROP TABLE _staging")
    return LoadCounts(inserted=len(new), updated=len(changed), unchanged=rows - len(new) - len(changed))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rebuildable_pk(cur, table: str):
    """(name, definition) of the table's primary key when it is the table's only index
    and no foreign key references the table; else None."""
    cur.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid),
                  (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.conrelid),
                  (SELECT count(*) FROM pg_constraint f WHERE f.confrelid = c.conrelid)
           FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'p'""", [table])
    row = cur.fetchone()
    if row is None or row[2] != 1 or row[3] != 0:
        return None
    return row[0], row[1]


def _diff_with_table(cur, kind: str, frame):
    """Positions (in ``frame``) of the rows whose key is not in the table, and of the rows
    whose values differ from the table's (``IS DISTINCT FROM``: NaN equals NaN)."""



    spec, bspec = _SQL[kind], _BINARY[kind]
    with _stage("read table"):
        out = io.BytesIO()
        cur.cursor.copy_expert(
            f"COPY (SELECT {spec['columns']} FROM {spec['target']}) TO STDOUT WITH (FORMAT binary)",
            out, size=_COPY_CHUNK)
        old = from_copy_binary(out.getbuffer(), kind)
        del out
    with _stage("diff"):
        keys, values = bspec["keys"], bspec["values"]
        new = {}
        for c in keys + values:
            v = frame[c].to_numpy()
            new[c] = v.astype("datetime64[D]").astype(np.int64) if v.dtype.kind == "M" else v
        k_old, k_new = _key_codes([old[k] for k in keys], [new[k] for k in keys])
        if len(k_old) == len(k_new) and np.array_equal(k_old, k_new):  # same keys, same order
            found = np.ones(len(k_new), dtype=bool)
            hit = match = np.arange(len(k_new))
        else:
            if np.all(k_old[1:] > k_old[:-1]):  # usually stored in key order already
                order, k_sorted = None, k_old
            else:
                order = np.argsort(k_old, kind="stable")
                k_sorted = k_old[order]
            pos = np.searchsorted(k_sorted, k_new)
            found = pos < len(k_sorted)
            found[found] = k_sorted[pos[found]] == k_new[found]
            hit = np.flatnonzero(found)
            match = pos[hit] if order is None else order[pos[hit]]
        differs = np.zeros(len(hit), dtype=bool)
        for c in values:
            a, b = old[c][match], new[c][hit]
            d = a != b
            if a.dtype.kind == "f":
                d &= ~(np.isnan(a) & np.isnan(b))
            differs |= d
        return np.flatnonzero(~found), hit[differs]


def _key_codes(old_cols, new_cols):
    """One int64 per row identifying its composite key, comparable across both sides:
    the offset columns bit-packed when they fit in 63 bits, else a lexicographic rank."""

    both = [np.concatenate([o, n]).astype(np.int64) for o, n in zip(old_cols, new_cols)]
    n_old = len(old_cols[0])
    if len(both[0]) == 0:
        return both[0][:n_old], both[0][n_old:]
    lows = [int(c.min()) for c in both]
    bits = [max(1, (int(c.max()) - lo).bit_length()) for c, lo in zip(both, lows)]
    if sum(bits) <= 63:
        k = np.zeros(len(both[0]), dtype=np.int64)
        for c, lo, b in zip(both, lows, bits):
            k = (k << b) | (c - lo)
        return k[:n_old], k[n_old:]
    order = np.lexsort(both[::-1])
    step = np.zeros(len(order), dtype=bool)
    step[0] = True
    for c in both:
        s = c[order]
        step[1:] |= s[1:] != s[:-1]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(step) - 1
    return rank[:n_old], rank[n_old:]
