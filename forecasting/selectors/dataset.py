"""The dataset summary of the Data page and ``GET /api/v1/datasets/summary/``:
the worker's stored copy over every store (FiguresSnapshot ``dataset``, written
after each job by forecasting/services/figures.py) while it is that of the
current data; computed on read otherwise, and always for a store-restricted
principal (her stores only). One pass over every sales row takes about 0.4 s on
the Walmart data: too slow for a page view."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
from django.db import connection
from django.db.models import QuerySet

from accounts.scope import StoreScope
from forecasting.models import SalesRecord, Upload
from forecasting.selectors.catalog import workspace_words
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.stores import stored_figures
from forecasting.selectors.workspace import dataset_version


def dataset_summary(*, scope: StoreScope) -> dict:
    if not scope.restricted:
        found = stored_figures("dataset")
        if found is not None:
            return found
    return dataset_summary_compute(scope=scope)


def upload_list(*, scope: StoreScope) -> QuerySet[Upload]:
    """Uploads (a store-restricted principal: only its own, see StoreScope.own_uploads)."""
    qs = Upload.objects.select_related("job", "created_by", "created_by_key").order_by("-created_at", "-id")
    return scope.own_uploads(qs)


def upload_get(*, scope: StoreScope, upload_id) -> Upload | None:
    try:
        return upload_list(scope=scope).get(pk=int(upload_id))
    except (Upload.DoesNotExist, ValueError, TypeError):
        return None


def sales_query(*, scope: StoreScope, store: int | None = None, dept: int | None = None, start: date | None = None,
                end: date | None = None) -> QuerySet[SalesRecord]:
    qs = scope.filter(SalesRecord.objects.all()).order_by("store", "dept", "date")
    if store is not None:
        qs = qs.filter(store=store)
    if dept is not None:
        qs = qs.filter(dept=dept)
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs


def dataset_summary_compute(*, scope: StoreScope) -> dict:
    """Stores, departments, series, weeks, date range, total sales, negative
    weeks, series with gaps — one SQL pass over the tenant's sales (of the scope's stores).
    Readers go through ``selectors/dataset.py: dataset_summary`` (the worker's stored copy)."""
    cond, params = scope.sql("store")
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH r AS (SELECT * FROM forecasting_salesrecord WHERE {cond}),
            s AS (
                SELECT store, dept, count(*) AS n, min(date) AS first, max(date) AS last
                FROM r GROUP BY store, dept
            )
            SELECT
                (SELECT count(DISTINCT store) FROM r),
                (SELECT count(DISTINCT dept) FROM r),
                (SELECT count(*) FROM s),
                (SELECT count(DISTINCT date) FROM r),
                (SELECT min(date) FROM r),
                (SELECT max(date) FROM r),
                (SELECT coalesce(sum(sales), 0) FROM r),
                (SELECT count(*) FROM r WHERE sales < 0),
                (SELECT count(*) FROM r WHERE sales = 0),
                (SELECT count(*) FROM s WHERE n < ((last - first) / 7 + 1)),
                (SELECT count(*) FROM r)
        """, params)
        (stores, depts, series, weeks, first, last, total, negative, zero, gaps, rows) = cur.fetchone()
        cond_n, params_n = scope.sql("number")
        cur.execute(f"SELECT count(*) FROM forecasting_store WHERE {cond_n}", params_n)
        store_rows = cur.fetchone()[0]
        cur.execute(f"SELECT count(*), min(date), max(date) FROM forecasting_storeweek WHERE {cond}", params)
        fw_rows, fw_first, fw_last = cur.fetchone()
    version = dataset_version()
    return {
        "dataset_version": version,
        "sales_rows": rows,
        "stores": stores,
        "departments": depts,
        "series": series,
        "weeks": weeks,
        "date_range": {"start": first.isoformat() if first else None, "end": last.isoformat() if last else None},
        "total_sales": round(float(total), 2),
        "negative_weeks": negative,
        "zero_weeks": zero,
        "series_with_gaps": gaps,
        "store_attributes": store_rows,
        "covariates": {"rows": fw_rows, "start": fw_first.isoformat() if fw_first else None,
                       "end": fw_last.isoformat() if fw_last else None},
    }


def series_history(*, scope: StoreScope, store: int, dept: int, weeks: int | None = None) -> list[dict]:
    if not scope.allows(store):
        return []
    qs = SalesRecord.objects.filter(store=store, dept=dept).order_by("-date").values("date", "sales", "is_holiday")
    rows = list(qs[:weeks] if weeks else qs)
    rows.reverse()
    return rows


def _distinct_series(table: str, *, run_id: int | None = None) -> set[tuple[int, int]]:
    """Every (store, dept) pair of a table whose primary key starts with them (after ``run_id`` for
    forecast points), by a skip scan of that index: one probe per series instead of reading every row
    (3,300 probes instead of 420,000 rows on the Walmart data: 20 ms instead of 600)."""
    lead, first = ("run_id, ", "%s, ") if run_id is not None else ("", "")
    where = "WHERE run_id = %s" if run_id is not None else ""
    keep = "WHERE n.run_id = %s" if run_id is not None else ""
    params = [run_id] * 3 if run_id is not None else []
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH RECURSIVE pairs(store, dept) AS (
                (SELECT store, dept FROM {table} {where} ORDER BY {lead}store, dept LIMIT 1)
                UNION ALL
                SELECT n.store, n.dept FROM pairs p CROSS JOIN LATERAL (
                    SELECT {lead}store, dept FROM {table} WHERE ({lead}store, dept) > ({first}p.store, p.dept)
                    ORDER BY {lead}store, dept LIMIT 1) n {keep})
            SELECT store, dept FROM pairs""", params)
        return set(cur.fetchall())


def series_choices(*, scope: StoreScope) -> dict:
    """Stores and departments (of the scope's stores) of every series that has
    data (sales) or a forecast: an inactive or seasonal series is never missing
    from a picker."""
    run = latest_run()
    if scope.restricted:  # a few stores: their rows are few
        pairs = set(scope.filter(SalesRecord.objects.all()).values_list("store", "dept").distinct())
        if run is not None:
            pairs |= set(scope.filter(run.points.all()).values_list("store", "dept").distinct())
    else:
        pairs = _distinct_series("forecasting_salesrecord")
        if run is not None:
            pairs |= _distinct_series("forecasting_forecastpoint", run_id=run.pk)
    stores, depts = set(), set()
    for s_, d_ in pairs:
        stores.add(s_)
        depts.add(d_)
    return {"stores": sorted(stores), "depts": sorted(depts), "series": len(pairs), "pairs": sorted(pairs)}


SEARCH_LIMIT, SEARCH_MAX = 20, 50

# a side's members in the order a picker lists them: numeric codes (Walmart's numbers) by value, then the others
_CODE_ORDER = "(code !~ '^[0-9]{1,18}$'), CASE WHEN code ~ '^[0-9]{1,18}$' THEN code::bigint END, lower(code), code"
_MEMBERS = """SELECT id, code, name, row_number() OVER (ORDER BY {order}) AS pos,
        lower(code) = lower(%(q)s) AS exact, code ILIKE %(prefix)s AS prefix,
        code ILIKE %(like)s OR name ILIKE %(like)s AS hit
    FROM {table} WHERE {cond}"""
_SERIES_SEARCH = """
WITH loc AS ({locations}), item AS ({items}),
candidate AS (  -- the pairs of a matching location or item, best first; not all of them have sales
    SELECT * FROM (
        SELECT loc.id AS store, item.id AS dept, loc.pos AS lpos, item.pos AS ipos,
               CASE WHEN loc.exact OR item.exact THEN 0 WHEN loc.prefix OR item.prefix THEN 1 ELSE 2 END AS rank
        FROM loc CROSS JOIN item WHERE loc.hit
        UNION ALL
        SELECT loc.id, item.id, loc.pos, item.pos, CASE WHEN item.exact THEN 0 WHEN item.prefix THEN 1 ELSE 2 END
        FROM loc CROSS JOIN item WHERE item.hit AND NOT loc.hit) pairs
    ORDER BY rank, lpos, ipos),
found AS (  -- one probe of the sales' primary key (store, dept, date) per pair, until enough have sales
    SELECT c.* FROM candidate c CROSS JOIN LATERAL (
        SELECT 1 FROM forecasting_salesrecord r WHERE r.store = c.store AND r.dept = c.dept LIMIT 1) sold
    ORDER BY c.rank, c.lpos, c.ipos LIMIT %(limit)s)
SELECT f.store, f.dept, l.code, l.name, i.code, i.name
FROM found f JOIN forecasting_location l ON l.id = f.store JOIN forecasting_item i ON i.id = f.dept
ORDER BY f.rank, f.lpos, f.ipos"""


_PAIR_MEMBERS = """SELECT id, code, name, row_number() OVER (ORDER BY {order}) AS pos,
        code ILIKE %(like1)s OR name ILIKE %(like1)s AS hit1, code ILIKE %(like2)s OR name ILIKE %(like2)s AS hit2
    FROM {table} WHERE {cond}"""
_PAIR_SEARCH = """
WITH loc AS ({locations}), item AS ({items}),
candidate AS (  -- a location matching one word and an item matching the other ("ST-003 SKU-10002")
    SELECT loc.id AS store, item.id AS dept, loc.pos AS lpos, item.pos AS ipos FROM loc CROSS JOIN item
    WHERE (loc.hit1 AND item.hit2) OR (loc.hit2 AND item.hit1)),
found AS (
    SELECT c.* FROM candidate c CROSS JOIN LATERAL (
        SELECT 1 FROM forecasting_salesrecord r WHERE r.store = c.store AND r.dept = c.dept LIMIT 1) sold
    ORDER BY c.lpos, c.ipos LIMIT %(limit)s)
SELECT f.store, f.dept, l.code, l.name, i.code, i.name
FROM found f JOIN forecasting_location l ON l.id = f.store JOIN forecasting_item i ON i.id = f.dept
ORDER BY f.lpos, f.ipos"""


def _search_rows(template: str, members: str, conds: dict, params: dict) -> list[tuple]:
    sql = template.format(
        locations=members.format(order=_CODE_ORDER, table="forecasting_location",
                                 cond=" AND ".join(conds["location"])),
        items=members.format(order=_CODE_ORDER, table="forecasting_item", cond=" AND ".join(conds["item"])))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def series_search(*, scope: StoreScope, q: str, limit: int = SEARCH_LIMIT,
                  within: dict[str, set[int] | None] | None = None) -> list[dict]:
    """The series with sales (of the scope's stores) whose location or item code or name contains ``q``
    (case-insensitive; two words: a location matching one and an item the other), at most ``limit``
    (1..50): an exact code first, then a code that starts with it, then the rest, each by location then item in the pickers' order (numbers by value). ``within``:
    ``{"store": ids or None, "dept": ids or None}`` (``groups.attribute_members``: the page's attribute
    filters). Each with its ids, codes, names and a label in the workspace's words.

    In SQL: the catalogue's locations and items are matched (small tables), their pairs ordered, and each
    pair probed in the sales' primary key until ``limit`` have sales: no sales row is read otherwise. A
    series is found by its catalogue rows, which every upload registers (forecasting/services/catalog.py)."""
    q = q.strip()
    if not q:
        return []
    params = {"q": q, "prefix": f"{_like(q)}%", "like": f"%{_like(q)}%",
              "limit": max(1, min(int(limit), SEARCH_MAX))}
    conds = {"location": ["TRUE"], "item": ["TRUE"]}
    if scope.restricted:  # a restricted principal: her locations only, so only her stores' series
        conds["location"].append("id = ANY(%(scope)s)")
        params["scope"] = scope.as_list()
    for side, key in (("location", "store"), ("item", "dept")):
        kept = (within or {}).get(key)
        if kept is not None:
            conds[side].append(f"id = ANY(%({key}s)s)")
            params[f"{key}s"] = sorted(kept)
    words_of_q = q.split()
    rows = []
    if len(words_of_q) == 2:  # a location's and an item's code or name, in either order
        rows = _search_rows(_PAIR_SEARCH, _PAIR_MEMBERS, conds, {
            **params, "like1": f"%{_like(words_of_q[0])}%", "like2": f"%{_like(words_of_q[1])}%"})
    if not rows:  # one word, or two of one code or name ("Quito Norte")
        rows = _search_rows(_SERIES_SEARCH, _MEMBERS, conds, params)
    words = workspace_words()
    return [{"store": store, "dept": dept, "location": loc, "item": item, "location_name": loc_name or None,
             "item_name": item_name or None, "label": f"{words.location} {loc} · {words.item} {item}"}
            for store, dept, loc, loc_name, item, item_name in rows if scope.allows(store)]


def total_sales_history(*, scope: StoreScope, weeks: int = 104) -> list[dict]:
    cond, params = scope.sql("store")
    with connection.cursor() as cur:
        cur.execute(f"""SELECT date, sum(sales) FROM forecasting_salesrecord WHERE {cond}
                        GROUP BY date ORDER BY date DESC LIMIT %s""", [*params, weeks])
        rows = cur.fetchall()
    return [{"date": d, "sales": float(s)} for d, s in reversed(rows)]


def sales_week_count() -> int:
    return SalesRecord.objects.values("date").distinct().count()


def latest_upload(*, scope: StoreScope) -> Upload | None:
    return upload_list(scope=scope).first()


def uploads_loaded_ids(*, dataset_version: int) -> list[int]:
    """Ids of the loaded uploads that the given dataset version contains (model lineage)."""
    return list(Upload.objects.filter(status=Upload.Status.SUCCEEDED, dataset_version__isnull=False,
                                      dataset_version__lte=dataset_version).order_by("id").values_list("id", flat=True))


def copy_frame(sql: str, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame, read with COPY (no ORM objects: millions of rows stay fast)."""
    buf = io.StringIO()
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", buf)
    buf.seek(0)
    return pd.read_csv(buf, names=columns, header=None, na_values=[""], keep_default_na=False)


def training_frames():
    """The tenant's sales, covariates and store attributes as DataFrames."""
    frame = copy_frame
    sales = frame("SELECT store, dept, date, sales, is_holiday FROM forecasting_salesrecord",
                  ["store", "dept", "date", "sales", "is_holiday"])
    sales["date"] = pd.to_datetime(sales["date"])
    sales["is_holiday"] = sales["is_holiday"].map({"t": True, "f": False}).astype(bool)
    fcols = ["store", "date", "temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4",
             "markdown5", "cpi", "unemployment", "is_holiday"]
    features = frame(f"SELECT {', '.join(fcols)} FROM forecasting_storeweek", fcols)
    features["date"] = pd.to_datetime(features["date"])
    features["is_holiday"] = features["is_holiday"].map({"t": True, "f": False}).fillna(False).astype(bool)
    stores = frame("SELECT number, type, size FROM forecasting_store", ["store", "type", "size"])
    return sales, (features if len(features) else None), (stores if len(stores) else None)
