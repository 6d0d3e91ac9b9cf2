"""A short pass of generated bad and odd uploads through the API and a real
worker (bench/fuzz_uploads.py sends 1,000+)."""
from __future__ import annotations

import pytest

from tests.conftest import api_client, provision
from tests.forecasting.ingest.upload_fuzz import run
from tests.support.data import table_counts

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_generated_bad_uploads_never_5xx_and_never_half_write(db_access, celery_worker_proc):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = provision("ufz")
    client = api_client(t, key=t.admin_key)

    def post(name, data, kind):
        body = {"file": SimpleUploadedFile(name, data)}
        if kind:
            body["kind"] = kind
        resp = client.post("/api/v1/uploads/", body, format="multipart")
        return resp.status_code, resp.json() if resp["Content-Type"].startswith("application/json") else resp.content

    def get(path):
        resp = client.get(path)
        if resp["Content-Type"].startswith("application/json"):
            return resp.status_code, resp.json()
        return resp.status_code, b"".join(resp.streaming_content) if resp.streaming else resp.content

    out = run(n=60, seed=3, post=post, get=get, counts=lambda: table_counts(t))
    assert out.files == 60 and not out.problems, out.problems[:5]
    assert out.results["failed"] >= 20  # most mutations are bad files: each got its report
    assert sum(n for s, n in out.statuses.items() if s >= 500) == 0
