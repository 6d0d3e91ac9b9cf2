from __future__ import annotations

import time

from tests.conftest import api_client, in_tenant


def wait_job(t, job_id: int, timeout: float = 120.0) -> dict:
    client = api_client(t, key=t.admin_key)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(f"/api/v1/jobs/{job_id}/").json()
        if data["status"] in ("succeeded", "failed"):
            return data
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not done in {timeout}s: {data}")


def upload(t, path_or_bytes, name: str | None = None, kind: str | None = None, key: str | None = None,
           wait: bool = True, timeout: float = 180.0, allow_400: bool = False) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    if isinstance(path_or_bytes, (bytes, bytearray)):
        content = bytes(path_or_bytes)
        name = name or "upload.csv"
    else:
        content = path_or_bytes.read_bytes()
        name = name or path_or_bytes.name
    body = {"file": SimpleUploadedFile(name, content)}
    if kind:
        body["kind"] = kind
    client = api_client(t, key=key or t.admin_key)
    resp = client.post("/api/v1/uploads/", body, format="multipart")
    if allow_400 and resp.status_code == 400:  # refused at once (e.g. an empty file): a clear JSON error
        err = resp.json()["error"]
        return {"status": "failed", "errors": [{"reason": err["message"]}], "error_count": 1, "http": 400}
    assert resp.status_code == 202, (resp.status_code, resp.content[:500])
    created = resp.json()
    assert set(created) >= {"id", "status", "kind", "job"} and set(created["job"]) >= {"id", "status", "progress"}
    if not wait:
        return created
    wait_job(t, created["job"]["id"], timeout)
    return client.get(f"/api/v1/uploads/{created['id']}/").json()


def table_counts(t) -> dict:
    from forecasting.models import SalesRecord, Store, StoreWeek

    with in_tenant(t):
        return {m.__name__: m.objects.count() for m in (SalesRecord, Store, StoreWeek)}


def wait_evaluation(t, upload_id: int, timeout: float = 300.0) -> dict:
    """The ``evaluate`` job that the upload ``upload_id`` queued (it appears when the upload commits), waited for
    until it ends."""
    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with in_tenant(t):
            job = Job.objects.filter(kind=Job.Kind.EVALUATE, params__upload=upload_id).first()
        if job is not None:
            return wait_job(t, job.pk, timeout=timeout)
        time.sleep(0.2)
    raise AssertionError(f"no evaluate job for upload {upload_id}")
