"""A mapped sales file of plain text is read in chunks (forecasting/services/mapped_stream.py; chunks of 5
rows here): the same rows as a file read whole, and all or nothing: a bad cell or a duplicate in a later
chunk is named by line, column and reason and nothing is stored, new codes included."""
from __future__ import annotations

import io
from unittest import mock

from accounts.audit import Actor
from forecasting.models import Covariate, Item, Location, SalesRecord, Upload
from forecasting.services import mapped_stream
from forecasting.services.uploads import upload_create, upload_process
from tests.conftest import in_tenant

MAPPING = {"columns": {"store": "location", "sku": "item", "date": "date", "units": "measure",
                       "price": "covariate:price:known"}, "delimiter": ";", "decimal": ","}


def _file(rows: list[tuple]) -> bytes:
    return ("store;sku;date;units;price\n" + "".join(";".join(map(str, r)) + "\n" for r in rows)).encode()


def _rows(days: int = 14) -> list[tuple]:
    return [(s, k, f"2024-01-{d:02d}", d, f"1,{d:02d}") for s in ("ST-1", "ST-2") for k in ("A", "B")
            for d in range(1, days + 1)]


def _upload(t, data: bytes) -> Upload:
    with in_tenant(t), mock.patch("saas.celery.app.send_task"), mock.patch.object(mapped_stream, "CHUNK_ROWS", 5):
        up = upload_create(actor=Actor.system(), file=io.BytesIO(data), filename="till.csv",
                           mapping=MAPPING)
        return upload_process(job_id=up.job_id)


def _stored(t) -> tuple[int, int, int]:
    with in_tenant(t):
        return SalesRecord.objects.count(), Covariate.objects.count(), Location.objects.count() + Item.objects.count()


def test_a_file_in_chunks_stores_every_row_and_its_covariates(tenant):
    done = _upload(tenant, _file(_rows()))
    assert done.status == "succeeded", done.errors
    assert (done.inserted, done.rows_total, done.stats["chunked"]) == (56, 56, True)
    assert _stored(tenant) == (56, 56, 4)
    with in_tenant(tenant):
        assert set(SalesRecord.objects.values_list("sales", flat=True)) == set(range(1, 15))
    again = _upload(tenant, _file(_rows()))
    assert (again.status, again.inserted, again.updated, again.unchanged) == ("succeeded", 0, 0, 56)


def test_a_bad_cell_in_a_later_chunk_stores_nothing(tenant):
    rows = _rows()
    rows[40] = ("ST-2", "B", "2024-01-13", "many", "1,00")
    done = _upload(tenant, _file(rows))
    assert done.status == "failed" and done.error_count == 1
    assert done.errors[0] == {"line": 42, "column": "units", "value": "many", "reason": "not a number (decimal comma)"}
    assert _stored(tenant) == (0, 0, 0)


def test_a_duplicate_across_chunks_stores_nothing(tenant):
    rows = _rows() + [("ST-1", "A", "2024-01-02", 9, "1,00")]
    done = _upload(tenant, _file(rows))
    assert done.status == "failed" and done.error_count == 1
    assert done.errors[0]["line"] == 58 and done.errors[0]["reason"] == "the same location and item and date as line 3"
    assert done.errors[0]["value"] == "ST-1 / A / 2024-01-02"
    assert _stored(tenant) == (0, 0, 0)
