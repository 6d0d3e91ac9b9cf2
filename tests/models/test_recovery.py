"""Orphaned-job recovery: a running job whose advisory lock no live session
holds is re-queued; one a worker holds is left alone."""
from __future__ import annotations

import psycopg2

from tests.conftest import in_tenant


def _hold_lock(schema: str, job_id: int):
    import zlib

    from django.conf import settings

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s, %s)", (zlib.crc32(schema.encode()) & 0x7FFFFFFF, job_id))
    return conn


def test_running_job_without_lock_holder_is_requeued(tenant, monkeypatch):
    import forecasting.tasks
    from forecasting.models import Job
    from forecasting.services.recovery import jobs_recover

    sent = []
    monkeypatch.setattr(forecasting.tasks.train_model, "delay", lambda job_id: sent.append(job_id))
    with in_tenant(tenant):
        orphan = Job.objects.create(kind="train", status="running", params={"horizon": 4})
        alive = Job.objects.create(kind="train", status="running", params={"horizon": 4})
        done = Job.objects.create(kind="train", status="succeeded")
    holder = _hold_lock(tenant.schema, alive.pk)  # a live worker's session
    try:
        with in_tenant(tenant):
            requeued = jobs_recover()
            statuses = dict(Job.objects.filter(pk__in=[orphan.pk, alive.pk, done.pk]).values_list("pk", "status"))
    finally:
        holder.close()
    assert requeued == [orphan.pk] and sent == [orphan.pk]
    assert statuses == {orphan.pk: "queued", alive.pk: "running", done.pk: "succeeded"}
    # once the holder's session is gone (worker died), the other job is orphaned too
    with in_tenant(tenant):
        assert jobs_recover() == [alive.pk]
