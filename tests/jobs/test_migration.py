"""Job and JobLock moved from forecasting to the jobs app (jobs 0001,
forecasting 0013) without losing a row: a workspace schema migrated up to the
state before the move, with jobs, their lock rows and uploads linked to them,
is migrated forward and keeps them all."""
from __future__ import annotations

import uuid

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import schema_context

from forecasting.models import Upload
from jobs.models import Job, JobLock

BEFORE = ("forecasting", "0012_retrainingpolicy_shadow_weeks")
MOVE = {("jobs", "0001_initial"), ("forecasting", "0013_job_moves_to_jobs")}


def _targets_before(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """Every app at its newest migration, except forecasting (at BEFORE) and jobs (not yet)."""
    graph = executor.loader.graph
    return [BEFORE if app == "forecasting" else (app, name) for app, name in graph.leaf_nodes() if app != "jobs"]


def test_moving_the_job_tables_keeps_jobs_locks_and_upload_links(db_access):
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with schema_context(schema):
            executor = MigrationExecutor(connection)
            targets = _targets_before(executor)
            executor.migrate(targets)
            old = executor.loader.project_state(targets).apps
            assert not {key for key in MOVE if key in MigrationRecorder(connection).applied_migrations()}
            OldJob, OldLock, OldUpload = (old.get_model("forecasting", name) for name in ("Job", "JobLock", "Upload"))
            jobs = {status: OldJob.objects.create(kind="ingest", status=status, message=f"old {status}",
                                                  params={"kind": "sales"}, result={"n": i})
                    for i, status in enumerate(("queued", "running", "succeeded", "failed"))}
            for job in jobs.values():
                OldLock.objects.create(job=job)
            orphan = OldJob.objects.create(kind="train", status="queued")  # no lock row, no upload
            uploads = {status: OldUpload.objects.create(original_filename=f"{status}.csv", size=1, sha256="0" * 64,
                                                        file_path=f"/x/{status}.csv", status=status, job=job)
                       for status, job in jobs.items()}

            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())

            applied = MigrationRecorder.Migration.objects.order_by("id").values_list("app", "name")
            order = [key for key in applied if key in MOVE or key == BEFORE]
            assert order == [BEFORE, ("jobs", "0001_initial"), ("forecasting", "0013_job_moves_to_jobs")]
            assert sorted(Job.objects.values_list("pk", "kind", "status", "message", "result")) == sorted(
                [(j.pk, "ingest", s, f"old {s}", {"n": i}) for i, (s, j) in enumerate(jobs.items())]
                + [(orphan.pk, "train", "queued", "", {})])
            assert set(JobLock.objects.values_list("job_id", flat=True)) == {j.pk for j in jobs.values()}
            assert {u.pk: u.job_id for u in Upload.objects.all()} == {
                uploads[s].pk: jobs[s].pk for s in jobs}
            assert Upload.objects.get(pk=uploads["running"].pk).job.message == "old running"
            # new rows still get their ids from the same sequence
            assert Job.objects.create(kind="export").pk > orphan.pk
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
