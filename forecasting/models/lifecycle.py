"""Models and their forecasts: versions, runs, points, aggregates, live evaluations, drift, the retraining policy."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from jobs.models import CreatedByMixin, Job

from .data import Upload


class ModelVersion(CreatedByMixin, models.Model):
    """A trained, evaluated, versioned model of one tenant."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        REJECTED = "rejected", "Rejected"
        SHADOW = "shadow", "Shadow"  # passed the backtest rule; scored live beside the champion before the decision

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Schedule"
        NEW_DATA = "new_data", "New data"
        DEGRADATION = "degradation", "Degradation"

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    chosen = models.CharField(max_length=50, help_text="candidate the backtest picked")
    reason = models.TextField(blank=True)
    horizon = models.PositiveIntegerField()
    backtest_windows = models.PositiveIntegerField()
    params = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    backtest = models.JSONField(default=list)
    backtest_by = models.JSONField(default=dict, blank=True, help_text="the chosen model's backtest WAPE by store "
                                   "and by department (forecasting/ml/backtest_accuracy.py); empty before issue 19")
    importance = models.JSONField(default=list)
    timings = models.JSONField(default=dict)
    dataset_version = models.PositiveIntegerField()
    data_end = models.DateField(null=True)
    artifact_path = models.CharField(max_length=500)
    artifact_sha256 = models.CharField(max_length=64)
    training_seconds = models.FloatField()
    promotion_note = models.TextField(blank=True)
    job = models.OneToOneField(Job, null=True, on_delete=models.SET_NULL, related_name="model_version")
    # champion/challenger (forecasting/services/promotion.py): the figures that decided, and lineage
    decision = models.JSONField(default=dict, blank=True, help_text="figures that promoted or rejected it")
    challenged = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   help_text="the champion it was compared with")
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    uploads = models.JSONField(default=list, blank=True, help_text="ids of the loaded uploads it was trained on")
    code_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"),
                                               name="one_active_model")]

    def __str__(self) -> str:
        return f"v{self.number} ({self.status})"

    @property
    def wmae(self) -> float | None:
        return (self.metrics.get(self.chosen) or {}).get("wmae")

    @property
    def baseline_wmae(self) -> float | None:
        return (self.metrics.get("seasonal_naive") or {}).get("wmae")

    @property
    def periodic(self) -> bool:
        """Trained by the engine for any planning frequency (a daily or monthly workspace:
        forecasting/ml/periodic/), whose model file is not the weekly engine's."""
        return (self.params or {}).get("engine") == "periodic"

    @property
    def frequency(self) -> str:
        """The planning frequency it forecasts (``D``, ``W-<DAY>``, ``MS``; ``W`` for a weekly model that does
        not record its week's last day): the unit of its horizon, steps and live periods."""
        return (self.params or {}).get("frequency") or "W"

    @property
    def coverage(self) -> dict:
        return {k: self.metrics.get(k) for k in ("coverage80", "coverage95")}


class SeriesStatus(models.TextChoices):
    """Status of a series at a run's origin (forecasting/ml/status.py)."""

    MODELLED = "modelled", "Modelled"
    POOLED = "pooled", "Pooled from its department"
    INACTIVE = "inactive", "Inactive (no sale in the last year)"
    NEW = "new", "New: announced, forecast from similar items"


class ForecastRun(models.Model):
    """One stored forecast of every live series: written when a model is
    trained (kind ``train``) and by every refresh of the active model with
    newer weeks (kind ``refresh``, no refit). Earlier runs are kept; the
    newest run of the active version is the one served. A run older than the
    workspace's retention whose horizon has passed is summarised
    (forecasting/services/retention.py): its points are deleted, its
    aggregates at every hierarchy level, evaluations and figures kept."""

    class Kind(models.TextChoices):
        TRAIN = "train", "Training"
        REFRESH = "refresh", "Refresh"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRAIN)
    origin = models.DateField(help_text="last week of history used")
    horizon = models.PositiveIntegerField()
    series = models.PositiveIntegerField(default=0)
    pooled_series = models.PositiveIntegerField(default=0)
    status_counts = models.JSONField(default=dict, blank=True, help_text="series per status at the origin")
    assumed = models.JSONField(default=dict, blank=True,
                               help_text="known covariate -> periods of the horizon with no uploaded value (assumed)")
    artifact_path = models.CharField(max_length=500, blank=True, help_text="refreshed model state (refresh runs)")
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    summarised_at = models.DateTimeField(null=True, blank=True,
                                         help_text="its points were deleted by the retention policy (aggregates kept)")
    summarised_points = models.PositiveIntegerField(default=0, help_text="how many points the summary deleted")

    class Meta:
        ordering = ["-created_at", "-id"]


class ForecastPoint(models.Model):
    pk = models.CompositePrimaryKey("run_id", "store", "dept", "date")
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="points")
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    date = models.DateField()
    forecast = models.FloatField()
    lo80 = models.FloatField()
    hi80 = models.FloatField()
    lo95 = models.FloatField()
    hi95 = models.FloatField()
    pooled = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.MODELLED)

    class Meta:
        ordering = ["store", "dept", "date"]


class ForecastAggregate(models.Model):
    """Coherent forecast of one aggregate of a run (the total, a value of a
    grouping attribute, a location, an item: ``forecasting.ml.hierarchy``),
    computed by the worker when the run is written (bottom-up sums; intervals
    from the model's hierarchy quantiles)."""

    pk = models.CompositePrimaryKey("run_id", "level", "key", "date")
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="aggregates")
    level = models.CharField(max_length=100, help_text="total, location, item, location.<attr> or item.<attr>")
    key = models.CharField(max_length=100, help_text="'all', the attribute's value, the location or item id")
    date = models.DateField()
    forecast = models.FloatField()
    lo80 = models.FloatField(null=True)
    hi80 = models.FloatField(null=True)
    lo95 = models.FloatField(null=True)
    hi95 = models.FloatField(null=True)

    class Meta:
        ordering = ["level", "key", "date"]


# ---------------------------------------------------------- live monitoring


class ModelEvaluation(models.Model):
    """Live accuracy of one stored forecast run on the weeks whose actuals
    arrived since (forecasting/ml/live_accuracy.py), written by the worker's
    ``evaluate`` job after an upload; one row per run and last realized week
    (cumulative over every realized week of the run; recomputing replaces it)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="evaluations")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="evaluations")
    origin = models.DateField()
    first_week = models.DateField()
    last_week = models.DateField(help_text="last realized week")
    weeks = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    wmae = models.FloatField()
    mae = models.FloatField()
    wape = models.FloatField(null=True)
    bias = models.FloatField(help_text="mean of forecast - actual (> 0: over-forecast)")
    coverage80 = models.FloatField()
    coverage95 = models.FloatField()
    seasonal_naive_wmae = models.FloatField()
    seasonal_naive = models.JSONField(default=dict, help_text="seasonal naive's wmae, mae, wape, bias on the same rows")
    per_step = models.JSONField(default=list)
    dataset_version = models.PositiveIntegerField(null=True)
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_week", "-run_id"]
        constraints = [models.UniqueConstraint(fields=["run", "last_week"], name="one_evaluation_per_run_week")]


class DriftReport(models.Model):
    """Drift of the weeks an upload added (forecasting/ml/drift.py), against
    the served forecast of those weeks and the training period."""

    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="drift_report")
    run = models.ForeignKey(ForecastRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            help_text="the reference forecast of the new weeks")
    first_week = models.DateField()
    last_week = models.DateField()
    share_outside95 = models.FloatField(null=True, help_text="share of series outside their 95% band")
    detected = models.BooleanField(default=False, help_text="share above settings.DRIFT_OUTSIDE95_ALERT")
    figures = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------- retraining policy


class RetrainingPolicy(models.Model):
    """When the product retrains this tenant's model by itself (one row per
    tenant schema, pk 1): on a schedule (in ``time_zone``), after an upload
    that adds at least ``min_new_weeks`` weeks, or when the champion's live
    accuracy degrades; never within ``cooldown_hours`` of the last automatic
    retrain nor past the plan's trainings per day. Rules:
    forecasting/ml/lifecycle/retraining.py; writes: forecasting/services/retraining.py."""

    class Schedule(models.TextChoices):
        OFF = "off", "Off"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.OFF)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="weekly: 0 = Monday ... 6 = Sunday")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="monthly: 1..28")
    hour = models.PositiveSmallIntegerField(default=2, help_text="0..23, in time_zone")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Paris")
    on_new_data = models.BooleanField(default=False)
    min_new_weeks = models.PositiveSmallIntegerField(default=4)
    on_degradation = models.BooleanField(default=False)
    degradation_weeks = models.PositiveSmallIntegerField(default=4, help_text="K: last realized weeks scored")
    degradation_tolerance = models.FloatField(default=0.10, help_text="live WMAE > (1 + this) x backtest WMAE")
    degradation_vs_naive = models.BooleanField(default=True, help_text="also when worse than seasonal naive")
    cooldown_hours = models.PositiveIntegerField(default=24)
    shadow_weeks = models.PositiveSmallIntegerField(
        default=0, help_text="0: off; N: a challenger that passes the backtest rule is scored live beside the "
                             "champion for N realized weeks before it is promoted or rejected")
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    last_slot_at = models.DateTimeField(null=True, blank=True,
                                        help_text="the newest schedule slot handled (or when the schedule was set)")
    last_decision = models.JSONField(default=dict, blank=True,
                                     help_text="{at, outcome: triggered|skipped, trigger, reason, job}")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_retraining_policy")]
