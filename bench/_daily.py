"""bench/ingest.py's generated daily section (issue 17, acceptance 7): a daily till export in the generated
retailer's sales layout (demo/retailer.py: ``store;sku;date;units;price;promo``, semicolons, decimal
commas, codes ST-001 / SKU-10001) of any number of rows, written in chunks so the generator never holds
the file; and the child process that ingests one through the web/API upload's service path
(``upload_create`` then the ingest worker's ``upload_process``) and reports its own peak memory.

Stores x products x days, series after series (730 days each, the last one cut to the row count): the
same shape as the generator's file, with the price cut and the lift of a promotion day."""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from _django import use_bench_database

use_bench_database("saas_bench_ingest")  # bench/ingest.py's database, set before Django is
import django  # noqa: E402

django.setup()
from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import get_tenant_model, tenant_context  # noqa: E402

from accounts.audit import Actor  # noqa: E402
from demo.retailer import MAPPINGS  # noqa: E402
from forecasting.services import mapped_stream  # noqa: E402
from forecasting.services.uploads import upload_create, upload_process  # noqa: E402
from tenants.services import tenant_provision  # noqa: E402

DAYS = 730
END = "2026-11-29"
_SERIES_PER_CHUNK = 400  # ~290,000 rows per write


def shape(rows: int) -> tuple[int, int]:
    """(stores, products) whose series of DAYS days hold at least ``rows`` rows."""
    series = -(-rows // DAYS)
    stores = max(1, int(round(series ** 0.5 / 1.2)))
    return stores, -(-series // stores)


def write_sales(path: Path, rows: int, seed: int = 7) -> Path:
    """``rows`` rows (plus the header) of daily sales; returns ``path``."""
    rng = np.random.default_rng(seed)
    stores, products = shape(rows)
    dates = pd.date_range(end=END, periods=DAYS, freq="D").strftime("%Y-%m-%d").to_numpy()
    base = np.minimum(rng.lognormal(0.4, 1.3, products), 60)
    price = np.round(rng.uniform(0.8, 12.0, products), 2)
    left = rows
    with open(path, "w", newline="") as fh:
        fh.write("store;sku;date;units;price;promo\n")
        series = 0
        while left > 0:
            ids = np.arange(series, min(series + _SERIES_PER_CHUNK, stores * products))
            n = min(len(ids) * DAYS, left)
            s, p = np.repeat(ids // products, DAYS)[:n], np.repeat(ids % products, DAYS)[:n]
            promo = rng.random(n) < 0.06
            cut = np.where(promo, rng.uniform(0.15, 0.3, n), 0.0)
            frame = pd.DataFrame({
                "store": pd.Categorical.from_codes(s, [f"ST-{i + 1:03d}" for i in range(stores)]),
                "sku": pd.Categorical.from_codes(p, [f"SKU-{10001 + i}" for i in range(products)]),
                "date": np.tile(dates, len(ids))[:n],
                "units": rng.poisson(base[p] * (1 - cut) ** -2.5),
                "price": np.round(price[p] * (1 - cut), 2), "promo": promo.astype(np.int8)})
            frame.to_csv(fh, sep=";", decimal=",", index=False, header=False, lineterminator="\n")
            left -= n
            series += len(ids)
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(path: Path, slug: str) -> dict:
    """In a fresh process: upload ``path`` with the generated retailer's sales
    mapping into workspace ``slug`` and run its ingest job here; seconds, counts and peak memory."""
    tenant = get_tenant_model().objects.get(schema_name=slug)
    before = peak_mb()
    with tenant_context(tenant), mock.patch("saas.celery.app.send_task"):  # the worker's job, run here
        t = time.perf_counter()
        with open(path, "rb") as fh:
            up = upload_create(actor=Actor.system(), file=fh, filename=path.name, mapping=MAPPINGS["sales"])
        stored = time.perf_counter() - t
        t = time.perf_counter()
        done = upload_process(job_id=up.job_id)
        seconds = time.perf_counter() - t
        Path(done.file_path).unlink(missing_ok=True)
    return {"status": done.status, "errors": done.errors[:3], "inserted": done.inserted, "rows": done.rows_total,
            "store_s": stored, "ingest_s": seconds, "peak_mb": peak_mb(), "setup_mb": before,
            "steps": dict(mapped_stream.LAST_STEPS)}


def print_child(result: dict) -> None:
    print("CHILD " + json.dumps(result), flush=True)


#: issue 17 acceptance 7's targets
RATIO_TARGET, PEAK_GROWTH_TARGET = 1.5, 1.25


def raw_copy(path: Path) -> float:
    """The same file by a plain COPY (streamed from disk) into an empty unindexed table of its columns."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_daily")
        cur.execute("CREATE TABLE bench_raw_daily (store text, sku text, date date, units integer, "
                    "price text, promo integer)")  # decimal commas: COPY reads no other number
    with transaction.atomic(), connection.cursor() as cur, open(path, "rb") as fh:
        t = time.perf_counter()
        cur.cursor.copy_expert("COPY bench_raw_daily FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)",
                               fh, size=1 << 20)
        elapsed = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_raw_daily")
    return elapsed


_STORED = (("forecasting_salesrecord", "store, dept, date, sales, is_holiday"),
           ("forecasting_covariate", "name, store, dept, date, value"))


def stored_copy(folder: Path, repeat: int) -> tuple[float, int]:
    """The rows the ingest stored (sales and covariates), written out as CSV and COPYed back into the same
    empty tables with their primary keys (median seconds of ``repeat``), and how many rows that is."""
    files, count = [], 0
    with connection.cursor() as cur:
        for table, columns in _STORED:
            path = folder / f"{table}.csv"
            with open(path, "wb") as fh:
                cur.cursor.copy_expert(f"COPY {table} ({columns}) TO STDOUT WITH (FORMAT csv)", fh, size=1 << 20)
            cur.execute(f"SELECT count(*) FROM {table}")
            count += cur.fetchone()[0]
            files.append(path)
    times = []
    for _ in range(repeat):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("TRUNCATE forecasting_salesrecord, forecasting_covariate")
        with transaction.atomic(), connection.cursor() as cur:
            t = time.perf_counter()
            for (table, columns), path in zip(_STORED, files):
                with open(path, "rb") as fh:
                    cur.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", fh,
                                           size=1 << 20)
            times.append(time.perf_counter() - t)
    for path in files:
        path.unlink()
    return sorted(times)[(len(times) - 1) // 2], count


def section(sizes: list[int], *, repeat: int, script: Path, folder: Path) -> bool:
    """Each size: generate the file, raw COPY it ``repeat`` times (median), ingest it in a child process
    (a workspace of its own); print the table; True when every size meets the targets."""
    rows_out, stored_out = [], []
    for rows in sizes:
        path = folder / f"daily-{rows}.csv"
        t = time.perf_counter()
        write_sales(path, rows)
        made = time.perf_counter() - t
        slug = f"daily-{uuid.uuid4().hex[:6]}"
        tenant = tenant_provision(slug=slug, name="Daily ingest bench", owner_email=f"o@{slug}.test",
                                  owner_password="Bench-pass-2026!", plan="enterprise").tenant
        with tenant_context(tenant):
            raw = statistics.median(raw_copy(path) for _ in range(repeat))
        proc = subprocess.run([sys.executable, str(script), "--child-daily", str(path), "--tenant",
                               tenant.schema_name, *(["--quick"] if "--quick" in sys.argv else [])],
                              env=os.environ.copy(), capture_output=True, text=True)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("CHILD ")), None)
        if proc.returncode or line is None:
            sys.exit(f"the ingest child failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        res = json.loads(line[6:])
        assert res["status"] == "succeeded" and res["inserted"] == rows, res
        with tenant_context(tenant):
            stored, stored_rows = stored_copy(folder, 1)
            with connection.cursor() as cur:  # the bench database keeps no 10 M-row tables
                cur.execute("TRUNCATE forecasting_salesrecord, forecasting_covariate")
        print(f"  {rows:,} rows: {path.stat().st_size / 1e6:.0f} MB generated in {made:.1f} s; file stored by "
              f"upload_create in {res['store_s']:.1f} s; Django set up at {res['setup_mb']:.0f} MB", flush=True)
        rest = res["ingest_s"] - sum(res["steps"].values())
        print("    ingest steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in res["steps"].items())
              + f", the rest (job, catalogue, quota, audit, commit) {rest:.2f} s", flush=True)
        path.unlink()
        rows_out.append((rows, raw, res["ingest_s"], res["peak_mb"]))
        stored_out.append((rows, stored_rows, stored, res["ingest_s"]))
    print(f"{'rows':>12} {'raw COPY s':>11} {'ingest s':>9} {'ratio':>6} {'peak MB':>8}  verdict")
    ok_all = True
    smallest_peak = rows_out[0][3]
    for rows, raw, ingest, peak in rows_out:
        ratio = ingest / raw
        flat = peak <= smallest_peak * PEAK_GROWTH_TARGET
        ok = ratio <= RATIO_TARGET and flat
        ok_all &= ok
        print(f"{rows:>12,} {raw:>11.2f} {ingest:>9.2f} {ratio:>6.2f} {peak:>8.0f}  "
              f"{'PASS' if ok else 'FAIL'} (ratio ≤ {RATIO_TARGET}: {'yes' if ratio <= RATIO_TARGET else 'no'}; "
              f"peak ≤ {PEAK_GROWTH_TARGET}× the smallest size's: {'yes' if flat else 'no'})")
    print("the same stored rows (sales + covariates, CSV) by a raw COPY into the same empty tables with their "
          "primary keys, once (not a target, for comparison):")
    print(f"{'rows':>12} {'stored rows':>12} {'stored COPY s':>14} {'ingest s':>9} {'ratio':>6}")
    for rows, stored_rows, stored, ingest in stored_out:
        print(f"{rows:>12,} {stored_rows:>12,} {stored:>14.2f} {ingest:>9.2f} {ingest / stored:>6.2f}")
    return ok_all
