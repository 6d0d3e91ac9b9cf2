"""Background jobs: the ``Job`` row every job kind shares (its status,
progress and result; Celery only carries its id), the row its worker locks,
and who started it (``CreatedByMixin``, also used by other apps' models).

The tables keep the names they had when these models lived in forecasting
(``forecasting_job``, ``forecasting_joblock``): moving the models changed no
row and no raw SQL."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.audit import Actor


class CreatedByMixin(models.Model):
    """Who started it: a member or an API key (or neither: the system)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_by_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    class Meta:
        abstract = True

    @property
    def actor(self):
        return Actor.recorded(user=self.created_by, api_key=self.created_by_key)

    @property
    def created_by_label(self) -> str:
        return self.actor.label


class RunStatus(models.TextChoices):
    """Lifecycle shared by jobs and uploads. A model with ``follows_job = True``
    (its statuses include these) and a ``job`` link follows its job: recovery queues its running row again
    with the job (jobs/recovery.py)."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(CreatedByMixin, models.Model):
    """The source of truth of every background job (ingestion, training,
    forecasting). Celery only carries the job id."""

    class Kind(models.TextChoices):
        INGEST = "ingest", "Ingest upload"
        TRAIN = "train", "Train model"
        FORECAST = "forecast", "Forecast"
        EXPORT = "export", "Workspace export"
        REFRESH = "refresh", "Refresh forecast"
        EVALUATE = "evaluate", "Live accuracy and drift"

    Status = RunStatus

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "forecasting_job"  # the table the app's rows were always in (jobs/migrations/0001_initial.py)
        ordering = ["-created_at", "-id"]

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class JobLock(models.Model):
    """The lock of one job: the worker running the job holds ``SELECT ... FOR
    UPDATE`` on this row from a session of its own for as long as it runs the
    job, and PostgreSQL releases it when that session ends (the worker
    finished, or died). Nothing else ever writes the row. The Job row itself
    cannot be the lock: the worker keeps writing it (progress, heartbeat) and
    pollers read it (jobs/services.py)."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "forecasting_joblock"
