"""forecasting.services.upload_loading.load_frame against the real test database: counts,
what is (not) written, the primary key rebuild of a first load, atomicity and
concurrent loads.  Skipped under ``-p no:django``; run with
``.venv/bin/python -m pytest tests/forecasting/ingest/test_load_frame_db.py``."""
from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

NEEDS_DJANGO = True


def _frame(rows):
    store, dept, date, sales, hol = zip(*rows) if rows else ((),) * 5
    return pd.DataFrame({"store": np.array(store, dtype=np.int64), "dept": np.array(dept, dtype=np.int64),
                         "date": pd.to_datetime(list(date)).astype("datetime64[ns]"),
                         "sales": np.array(sales, dtype=np.float64), "is_holiday": np.array(hol, dtype=bool)})


def _base(n_stores=5, n_depts=4, n_weeks=6):
    weeks = pd.date_range("2010-02-05", periods=n_weeks, freq="7D").strftime("%Y-%m-%d")
    return [(s, d, w, float(s * 1000 + d * 10 + i) / 4, i % 5 == 0)
            for s in range(1, n_stores + 1) for d in range(1, n_depts + 1) for i, w in enumerate(weeks)]


def _load(rows, kind="sales"):
    from django.db import transaction

    from forecasting.services import upload_loading

    with transaction.atomic():
        counts = upload_loading.load_frame(kind=kind, frame=_frame(rows) if kind == "sales" else rows)
    return (counts.inserted, counts.updated, counts.unchanged), upload_loading._LAST_LOAD.get("path")


def _table():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT store, dept, date::text, sales, is_holiday, ctid::text FROM forecasting_salesrecord")
        return {(r[0], r[1], r[2]): (r[3], r[4], r[5]) for r in cur.fetchall()}


def _values(table):
    return {k: v[:2] for k, v in table.items()}


def _pk():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT conname, pg_get_constraintdef(oid), (SELECT count(*) FROM pg_index "
                    "WHERE indrelid = 'forecasting_salesrecord'::regclass) FROM pg_constraint "
                    "WHERE conrelid = 'forecasting_salesrecord'::regclass AND contype = 'p'")
        return cur.fetchall()


@pytest.fixture
def t(tenant):
    from tests.conftest import in_tenant

    with in_tenant(tenant):
        yield tenant


def test_first_load_reupload_and_changes(t):
    base = _base()
    n = len(base)
    assert _load(base) == ((n, 0, 0), "empty table: COPY")
    before = _table()
    assert _values(before) == {(s, d, w): (v, h) for s, d, w, v, h in base}

    assert _load(base) == ((0, 0, n), "diff with the table, write new and changed rows")
    assert _table() == before  # same tuples (ctid): nothing was written

    changed = list(base)
    changed[0] = changed[0][:3] + (changed[0][3] + 1, changed[0][4])         # new value
    changed[1] = changed[1][:4] + (not changed[1][4],)                        # holiday flag only
    changed[2] = changed[2][:3] + (0.0, changed[2][4])                        # to zero
    extra = [(9, 1, "2010-02-05", 1.0, False), (9, 2, "2010-02-05", -2.5, True), (1, 99, "2010-03-12", 0.0, False)]
    rows = changed[::-1] + extra                                              # any order
    assert _load(rows)[0] == (3, 3, n - 3)
    after = _table()
    assert _values(after) == {(s, d, w): (v, h) for s, d, w, v, h in changed + extra}
    untouched = [k for k in before if k not in {r[:3] for r in changed[:3]}]
    assert all(after[k][2] == before[k][2] for k in untouched)

    neg_zero = [r[:3] + (-0.0 if r[3] == 0.0 else r[3], r[4]) for r in changed + extra]
    assert _load(neg_zero)[0] == (0, 0, n + 3)  # -0.0 IS NOT DISTINCT FROM 0.0, as in PostgreSQL


def test_first_big_load_rebuilds_the_primary_key(t, monkeypatch):
    from django.db import IntegrityError, connection, transaction

    from forecasting.services import upload_loading

    monkeypatch.setattr(upload_loading, "_REBUILD_MIN_ROWS", 10)
    pk = _pk()
    assert pk and pk[0][2] == 1
    base = _base()
    assert _load(base) == ((len(base), 0, 0), "empty table: COPY, then build the primary key")
    assert _pk() == pk
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO forecasting_salesrecord (store, dept, date, sales, is_holiday) "
                    "VALUES (1, 1, '2010-02-05', 0, false)")
    assert _load(base)[0] == (0, 0, len(base))


def test_failures_roll_everything_back(t, monkeypatch):
    from django.db import transaction

    from forecasting.services import upload_loading

    monkeypatch.setattr(upload_loading, "_REBUILD_MIN_ROWS", 10)
    pk = _pk()
    base = _base()
    with pytest.raises(RuntimeError), transaction.atomic():  # caller fails after the load
        upload_loading.load_frame(kind="sales", frame=_frame(base))
        assert len(_table()) == len(base)
        raise RuntimeError("later step failed")
    assert _table() == {} and _pk() == pk

    _load(base)
    before = _table()
    changed = [r[:3] + (r[3] + 1, r[4]) for r in base[:5]] + [(8, 8, "2010-02-05", 1.0, False)]
    with pytest.raises(RuntimeError), transaction.atomic():
        assert upload_loading.load_frame(kind="sales", frame=_frame(changed)).updated == 5
        raise RuntimeError("later step failed")
    assert _table() == before

    real_encode = upload_loading._encode
    calls = []

    def failing_encode(*a, **k):  # fail inside load_frame, after the new rows were copied
        calls.append(1)
        if len(calls) == 2:
            raise OSError("connection lost")
        return real_encode(*a, **k)

    monkeypatch.setattr(upload_loading, "_encode", failing_encode)
    with pytest.raises(OSError), transaction.atomic():
        upload_loading.load_frame(kind="sales", frame=_frame(changed))
    assert len(calls) == 2 and _table() == before


def test_small_file_into_big_table_uses_staged_upsert(t, monkeypatch):
    from forecasting.services import upload_loading

    base = _base()
    _load(base)
    monkeypatch.setattr(upload_loading, "_CLIENT_DIFF_MIN_BYTES", 0)
    monkeypatch.setattr(upload_loading, "_CLIENT_DIFF_BYTES_PER_ROW", 0)
    rows = [base[0][:3] + (base[0][3] + 1, base[0][4])] + base[1:10] + [(7, 7, "2010-02-05", 3.0, True)]
    assert _load(rows) == ((1, 1, 9), "big table: staged INSERT ... ON CONFLICT")
    assert _values(_table())[(7, 7, "2010-02-05")] == (3.0, True)


def test_keys_wider_than_64_bits(t):
    big = 2**31 - 1
    rows = [(big, big, "2010-02-05", 1.0, False), (0, big, "2010-02-05", 2.0, False),
            (big, 0, "1900-01-05", 3.0, True), (0, 0, "2100-12-31", 4.0, False)]
    assert _load(rows)[0] == (4, 0, 0)
    again = [rows[0], rows[1][:3] + (5.0, False), (big, big - 1, "2010-02-05", 6.0, False), rows[3]]
    assert _load(again)[0] == (1, 1, 2)
    assert _values(_table())[(0, big, "2010-02-05")] == (5.0, False)


def test_other_kinds_keep_the_csv_upsert(t):
    feats = pd.DataFrame({"store": [1, 2], "date": pd.to_datetime(["2010-02-05"] * 2).astype("datetime64[ns]"),
                          **{c: [np.nan, 1.5] for c in ("temperature", "fuel_price", "markdown1", "markdown2",
                                                        "markdown3", "markdown4", "markdown5", "cpi",
                                                        "unemployment")},
                          "is_holiday": [False, True]})
    assert _load(feats, kind="features") == ((2, 0, 0), "csv")
    assert _load(feats, kind="features") == ((0, 0, 2), "csv")


def _race(load):
    """Load twice from two connections: B starts while A's load is done but not yet
    committed. Returns the counts of (A, B)."""
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    tenant = connection.tenant
    a_loaded = threading.Event()
    results, errors = {}, []

    def run(name):
        try:
            with tenant_context(tenant):
                if name == "B":
                    assert a_loaded.wait(30)
                with transaction.atomic():
                    results[name] = load()
                    if name == "A":
                        a_loaded.set()
                        time.sleep(0.5)  # B is now blocked (or racing) while A is uncommitted
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            a_loaded.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in "AB"]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    return results["A"], results["B"]


def _counts(c):
    return c.inserted, c.updated, c.unchanged


@pytest.mark.parametrize("rebuild", [False, True])
def test_concurrent_first_loads(t, monkeypatch, rebuild):
    from forecasting.services import upload_loading

    if rebuild:
        monkeypatch.setattr(upload_loading, "_REBUILD_MIN_ROWS", 10)
    base = _base(8, 8, 20)
    a, b = _race(lambda: _counts(upload_loading.load_frame(kind="sales", frame=_frame(base))))
    assert (a, b) == ((len(base), 0, 0), (0, 0, len(base)))
    assert len(_table()) == len(base)


def test_concurrent_first_loads_csv_path(t):
    from forecasting.services import upload_loading

    feats = pd.DataFrame({"store": list(range(1, 201)),
                          "date": pd.to_datetime(["2010-02-05"] * 200).astype("datetime64[ns]"),
                          **{c: [1.5] * 200 for c in ("temperature", "fuel_price", "markdown1", "markdown2",
                                                      "markdown3", "markdown4", "markdown5", "cpi", "unemployment")},
                          "is_holiday": [False] * 200})
    a, b = _race(lambda: _counts(upload_loading.load_frame(kind="features", frame=feats)))
    assert (a, b) == ((200, 0, 0), (0, 0, 200))
