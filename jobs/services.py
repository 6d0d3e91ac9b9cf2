"""Jobs: state transitions, sending a job to its worker, the job's lock and
admission (fair scheduling).

Progress/heartbeat writes are short autocommit updates outside any long
transaction so that pollers see them at once.

**Enqueueing.** Services never import tasks: ``job_enqueue(job)`` maps the
job's kind to its task name and sends the job id, after the current
transaction commits, from inside the tenant's context (tenant-schemas-celery
carries the schema). Queues are routed by task name (``CELERY_TASK_ROUTES``).

**Lock.** A job is run by the worker that holds its lock: ``SELECT ... FOR
UPDATE`` on the job's ``JobLock`` row, from a database session of its own in a
transaction kept open for the job's duration. PostgreSQL releases it when that
session ends, so a job is orphaned exactly when it is ``running`` and its lock
row is free (recovery finds those with ``FOR UPDATE SKIP LOCKED``). The row
lives in the tenant's schema: job ids restart at 1 in every tenant, and the
locks of two tenants never meet (an advisory lock keyed on a hash of the
schema name could, for a chosen slug).

**Admission.** Under its lock a job starts only when its tenant is active
(a suspended tenant's jobs stay queued until it is resumed) and, for heavy
kinds (training), when fewer than ``JOBS_HEAVY_PER_TENANT`` of the tenant's
heavy jobs are running; otherwise it stays queued, says why, and is sent
again after ``JOBS_WAIT_COUNTDOWN`` seconds -- or at once when a heavy job of
the tenant ends (``job_wake_next``).

**Running.** Every kind's task runs its job through ``job_run``: the claim
(the lock), the already-done check, admission, then the kind's work, with
failures recorded on the job. A new kind is one ``job_run`` call (its work
function) plus one line in ``JOB_TASKS``."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_tenant_model, schema_context
from psycopg2 import sql

from accounts.audit import Actor
from jobs.models import Job, JobLock
from saas.celery import app as celery_app

logger = logging.getLogger(__name__)

JOB_TASKS = {
    Job.Kind.INGEST: "forecasting.tasks.ingest_upload",
    Job.Kind.TRAIN: "forecasting.tasks.train_model",
    Job.Kind.EXPORT: "tenants.tasks.export_workspace",
    Job.Kind.REFRESH: "forecasting.tasks.refresh_forecast",
    Job.Kind.EVALUATE: "forecasting.tasks.evaluate_forecasts",
}
HEAVY_KINDS = (Job.Kind.TRAIN,)
T = TypeVar("T")
_ADMISSION_LOCK_CLASS = 0x4A4F4253  # pg_advisory_xact_lock(class, tenant id): one admission at a time per tenant


def job_create(*, actor: Actor, kind: str, params: dict | None = None, message: str = "Queued") -> Job:
    with transaction.atomic():
        job = Job.objects.create(kind=kind, params=params or {}, message=message,
                                 created_by=actor.user, created_by_key=actor.api_key)
        JobLock.objects.create(job=job)
    return job


def job_enqueue(job: Job, *, countdown: float | None = None) -> None:
    """Send ``job`` to its worker once the current transaction commits (at
    once outside one). Sending marks the job's last sign of life, which
    recovery uses to tell a lost message from a queued one."""
    name, job_id = JOB_TASKS[job.kind], job.pk

    def send() -> None:
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(heartbeat_at=timezone.now())
        celery_app.send_task(name, args=[job_id], countdown=countdown)

    transaction.on_commit(send)


def job_start(*, job_id: int, message: str = "Started") -> Job:
    now = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, attempts=F("attempts") + 1,
                                             started_at=now, heartbeat_at=now, message=message, error="")
    return Job.objects.get(pk=job_id)


def job_progress(*, job_id: int, progress: float, message: str) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        progress=max(0.0, min(1.0, float(progress))), message=message[:300], heartbeat_at=timezone.now())


def job_heartbeat(*, job_id: int) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())


def job_succeed(*, job_id: int, result: dict | None = None, message: str = "Done") -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.SUCCEEDED, progress=1.0, message=message[:300],
                                         result=result or {}, finished_at=timezone.now(),
                                         heartbeat_at=timezone.now())


def job_fail(*, job_id: int, error: str, message: str = "Failed", result: dict | None = None) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, message=message[:300], error=error[:10000],
                                         result=result or {}, finished_at=timezone.now(),
                                         heartbeat_at=timezone.now())


@contextmanager
def heartbeat(job_id: int, schema: str, every: float = 5.0):
    """Keeps ``heartbeat_at`` fresh from a thread while a long step runs."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                with schema_context(schema):
                    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, daemon=True, name=f"heartbeat-{job_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


# -------------------------------------------------------------------- lock
_HELD: dict[tuple[str, int], object] = {}  # (schema, job id) -> the session holding the lock


def job_lock_try(job_id: int) -> bool:
    """Take the job's lock in the current tenant, without waiting."""
    schema, job_id = connection.schema_name, int(job_id)
    if (schema, job_id) in _HELD:
        return False
    params = {**connection.get_connection_params(), "application_name": f"job-lock {schema} {job_id}"}
    conn = connection.Database.connect(**params)
    try:
        table = sql.SQL("{}.forecasting_joblock").format(sql.Identifier(schema))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET idle_in_transaction_session_timeout = 0")  # held for the job's duration
            cur.execute(sql.SQL("INSERT INTO {} (job_id) SELECT id FROM {} WHERE id = %s ON CONFLICT DO NOTHING")
                        .format(table, sql.SQL("{}.forecasting_job").format(sql.Identifier(schema))), [job_id])
        conn.autocommit = False
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT job_id FROM {} WHERE job_id = %s FOR UPDATE SKIP LOCKED").format(table),
                        [job_id])
            held = cur.fetchone() is not None
    except Exception:
        conn.close()
        raise
    if not held:
        conn.close()
        return False
    _HELD[(schema, job_id)] = conn
    return True


def job_lock_release(job_id: int) -> None:
    conn = _HELD.pop((connection.schema_name, int(job_id)), None)
    if conn is not None:
        try:
            conn.rollback()
        finally:
            conn.close()


@contextmanager
def job_lock(job_id: int):
    """``with job_lock(id) as held:`` -- ``held`` is False when another worker has the job."""
    held = job_lock_try(job_id)
    try:
        yield held
    finally:
        if held:
            job_lock_release(job_id)


@contextmanager
def job_claimed(job_id: int):
    """The start every job's task shares: ``with job_claimed(id) as job:``
    gives the job while this worker holds its lock, or None when another
    worker has it or it has already ended (a redelivered task is harmless)."""
    with job_lock(job_id) as held:
        if not held:
            logger.info("job %s is being run by another worker; skipping", job_id)
            yield None
            return
        job = Job.objects.filter(pk=job_id).select_related("created_by", "created_by_key").first()
        yield None if job is None or job.is_done else job


# ------------------------------------------------------------------- run
@dataclass(frozen=True)
class Done(Generic[T]):
    """What a ``done`` check returns when the job needs no run (it ended
    before its worker died, or it has nothing to work on): ``job_run`` returns
    ``result`` without admitting the job."""

    result: T | None = None


def job_run(job_id: int, *, admit: str, work: Callable[[Job], T], failed: str | None = None,
            done: Callable[[Job], Done[T] | None] | None = None, reraise: bool = False,
            then: Callable[[Job, T], object] | None = None) -> T | None:
    """Run job ``job_id`` of the current tenant on this worker; what ``work`` returned, or None.

    1. The claim (``job_claimed``): None when another worker holds the job or it has already ended (a
       redelivered task is harmless).
    2. ``done(job)``: a ``Done`` when what the job does was already done (e.g. committed before a crash: the
       check finishes the job) or has nothing to work on; it is returned as it is.
    3. Admission (``job_admit``, the job's message ``admit``): None when the job stays queued.
    4. ``work(job)``, under the job's lock; it records the job's success itself (``job_succeed``). When it
       raises and ``failed`` is given, the error is logged and the job fails with the message ``failed``
       (then the exception is raised again if ``reraise``, else None is returned); with ``failed=None``,
       ``work`` records its own failures and an exception goes up as it is. A heavy kind's ending sends the
       tenant's next waiting heavy job (``job_wake_next``).
    5. ``then(job, result)``, after the lock is released, when ``work`` returned something."""
    with job_claimed(job_id) as job:
        if job is None:
            return None
        finished = done(job) if done is not None else None
        if finished is not None:
            return finished.result
        if not job_admit(job=job, message=admit):
            return None
        try:
            result = work(job)
        except Exception as exc:
            if failed is None:
                raise
            logger.exception("%s job %s failed", job.kind, job.pk)
            job_fail(job_id=job.pk, error=f"{type(exc).__name__}: {exc}", message=failed)
            if reraise:
                raise
            return None
        finally:
            if job.kind in HEAVY_KINDS:
                job_wake_next()
    if then is not None and result is not None:
        then(job, result)
    return result


# --------------------------------------------------------------- admission
def job_admit(*, job: Job, message: str) -> bool:
    """Called by the worker holding the job's lock. True: the job is now
    ``running`` (with ``message``). False: it stays queued, saying why."""
    with transaction.atomic():
        if job.kind in HEAVY_KINDS:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADMISSION_LOCK_CLASS, connection.tenant.pk])
        Tenant = get_tenant_model()
        status = Tenant.objects.values_list("status", flat=True).get(pk=connection.tenant.pk)
        # during a deletion's grace period owners may still take their data out
        if status == Tenant.Status.SUSPENDED or (status == Tenant.Status.DELETING and job.kind != Job.Kind.EXPORT):
            _wait(job, f"Waiting: the workspace is {Tenant.Status(status).label.lower()}; the job runs when it is "
                       "open again")
            return False  # not sent again: resuming the tenant sends its queued jobs
        if job.kind in HEAVY_KINDS:
            running = Job.objects.filter(kind__in=HEAVY_KINDS, status=Job.Status.RUNNING).exclude(pk=job.pk).count()
            if running >= settings.JOBS_HEAVY_PER_TENANT:
                noun = "training" if running == 1 else "trainings"
                _wait(job, f"Waiting: {running} {noun} already running in this workspace")
                job_enqueue(job, countdown=settings.JOBS_WAIT_COUNTDOWN)
                return False
        job_start(job_id=job.pk, message=message)
    return True


def job_wake_next() -> None:
    """A heavy job of the current tenant just ended: send its oldest waiting
    heavy job now rather than at its next countdown (a duplicate message is
    harmless: the job runs once, under its lock)."""
    waiting = Job.objects.filter(kind__in=HEAVY_KINDS, status=Job.Status.QUEUED).order_by("created_at", "pk").first()
    if waiting is not None:
        job_enqueue(waiting)


def _wait(job: Job, message: str) -> None:
    logger.info("job %s of %s waits: %s", job.pk, connection.schema_name, message)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, message=message[:300], heartbeat_at=timezone.now())
