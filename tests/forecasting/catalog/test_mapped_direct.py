"""A daily file into a workspace with no sales and no covariates goes straight into the stored tables
(forecasting/services/mapped_direct.py; chunks of 5 rows here): the same rows, counts and warnings as the
staged path, closed days left as gaps, a key repeated anywhere (closed days too) named by both lines with
nothing stored, and a weekly file taking the staged path."""
from __future__ import annotations

import io
from unittest import mock

from django.db import connection

from accounts.audit import Actor
from forecasting.models import Covariate, DataSettings, SalesRecord, Upload
from forecasting.services import mapped_direct, mapped_stream
from forecasting.services.uploads import upload_create, upload_process
from tests.conftest import in_tenant

MAPPING = {"columns": {"store": "location", "sku": "item", "date": "date", "units": "measure", "open": "open",
                       "price": "covariate:price:known", "promo": "covariate:promo:known"},
           "delimiter": ";", "decimal": ","}


def _file(rows: list[tuple]) -> bytes:
    return ("store;sku;date;units;open;price;promo\n" + "".join(";".join(map(str, r)) + "\n" for r in rows)).encode()


def _rows(step: int = 1) -> list[tuple]:
    return [(s, k, f"2024-01-{d:02d}", d, int(d % 6 != 0), f"1,{d:02d}", "" if d == 4 else d % 2)
            for s in ("ST-1", "ST-2") for k in ("A", "B") for d in range(1, 22, step)]


def _upload(t, data: bytes, direct: bool = True) -> Upload:
    with in_tenant(t), mock.patch("saas.celery.app.send_task"), mock.patch.object(mapped_stream, "CHUNK_ROWS", 5), \
            mock.patch.object(mapped_direct, "ENABLED", direct):
        up = upload_create(actor=Actor.system(), file=io.BytesIO(data), filename="till.csv", mapping=MAPPING)
        return upload_process(job_id=up.job_id)


def _stored(t) -> tuple[list, list]:
    with in_tenant(t):
        return (sorted(SalesRecord.objects.values_list("store", "dept", "date", "sales", "is_holiday")),
                sorted(Covariate.objects.values_list("name", "store", "dept", "date", "value")))


def _outcome(up: Upload) -> tuple:
    return up.status, up.inserted, up.updated, up.unchanged, up.rows_total, up.warnings


def test_direct_stores_what_the_staged_path_stores(tenant):
    staged = _upload(tenant, _file(_rows()), direct=False)
    assert staged.status == "succeeded" and "duplicates" in mapped_stream.LAST_STEPS
    rows = _stored(tenant)
    assert len(rows[0]) == 4 * 18 and len(rows[1]) == 4 * 21 * 2 - 4  # closed days: no sales, their covariates
    with in_tenant(tenant), connection.cursor() as cur:
        cur.execute("TRUNCATE forecasting_salesrecord, forecasting_covariate")
        DataSettings.objects.filter(pk=1).update(frequency="")
    direct = _upload(tenant, _file(_rows()))
    assert "primary keys" in mapped_stream.LAST_STEPS and "duplicates" not in mapped_stream.LAST_STEPS
    assert _outcome(direct) == _outcome(staged) and _stored(tenant) == rows
    again = _upload(tenant, _file(_rows()))
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("succeeded", 0, 0, 72)


def test_a_key_twice_among_closed_days_is_named_and_nothing_stored(tenant):
    for extra, first in ((("ST-2", "B", "2024-01-06", 0, 0, "1,00", 0), 70),   # closed, its twin closed
                         (("ST-1", "A", "2024-01-06", 3, 1, "1,00", 0), 7)):    # open, its twin closed
        done = _upload(tenant, _file(_rows() + [extra]))
        assert done.status == "failed" and done.error_count == 1, done.errors
        assert done.errors[0]["line"] == 86 and done.errors[0]["reason"] == \
            f"the same location and item and date as line {first}"
        assert _stored(tenant) == ([], [])


def test_a_weekly_file_in_a_new_workspace_takes_the_staged_path(tenant):
    done = _upload(tenant, _file(_rows(step=7)))
    assert done.status == "succeeded" and "duplicates" in mapped_stream.LAST_STEPS
    with in_tenant(tenant):
        assert DataSettings.objects.get(pk=1).frequency.startswith("W-")
        assert SalesRecord.objects.count() == 12
