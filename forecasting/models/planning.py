"""What planners save and what the worker precomputes for their pages: scenarios, overrides, plans, figures
and insights."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from accounts.audit import Actor
from jobs.models import CreatedByMixin

from .lifecycle import ForecastRun, ModelVersion


class Scenario(CreatedByMixin, models.Model):
    """A promotion what-if saved under a name (the simulator's inputs and its
    answer when saved); unsaved simulations are not stored."""

    name = models.CharField(max_length=120)
    store = models.PositiveIntegerField(db_index=True)
    # a scenario of several stores: every one of them (``store`` is the first); a store-restricted principal
    # sees it only when all of them are hers (forecasting/selectors/simulation.py). Empty: ``store`` alone.
    stores = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    inputs = models.JSONField(default=dict, help_text="store, depts, weeks, markdowns, margin as posted")
    result = models.JSONField(default=dict, help_text="the answer when it was saved")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class SimulationUse(CreatedByMixin, models.Model):
    """One simulation run: what the plan's simulations-per-day quota counts
    (billing/selectors.py). Holds no inputs or results."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class FiguresSnapshot(models.Model):
    """The Stores or Departments table over every store, computed by the worker
    after each upload, training, refresh and evaluation
    (forecasting/services/figures.py), so an unrestricted member's page only
    reads it. It is served while the data version, the served run and the
    newest evaluation are those it was computed from; otherwise the figures are
    computed on read (a store-restricted member's always are: few stores)."""

    kind = models.CharField(max_length=20, unique=True, help_text="stores or departments")
    data = models.JSONField()
    dataset_version = models.PositiveIntegerField()
    source_run = models.PositiveIntegerField(null=True, help_text="id of the served run it used")
    source_evaluation = models.PositiveIntegerField(null=True, help_text="id of the newest evaluation it used")
    seconds = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)


class InsightSnapshot(models.Model):
    """A figure of the Insights page over every store (volatility hotspots,
    anomalies, markdown effects per series; forecasting/services/insights.py), computed by the worker after
    each upload, training, refresh and evaluation so a page view only reads it;
    each row carries its store, so a store-restricted reader gets her rows.
    Served while the data version and the served run are those it used."""

    class Kind(models.TextChoices):
        HOTSPOTS = "hotspots", "Volatility hotspots"
        ANOMALIES = "anomalies", "Anomalies"
        MARKDOWN_ROI = "markdown_roi", "Markdown ROI"
        EXCEPTIONS = "exceptions", "Exceptions worklist (live errors, anomalies)"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    data = models.JSONField(help_text="{'results': [row, ...], ...}; every row has its store")
    dataset_version = models.PositiveIntegerField()
    source_run = models.PositiveIntegerField(null=True, help_text="id of the served run it used")
    seconds = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)


class Override(CreatedByMixin, models.Model):
    """A planner's adjustment of the forecast (forecasting/ml/overrides.py):
    a node of the hierarchy, some periods, a value or a percent, a reason code
    and a note. It applies to every later run that covers its periods (it
    survives refreshes); withdrawing it (DELETE) stops that and keeps the row,
    whose lines still measure the value it added."""

    class Reason(models.TextChoices):  # the reason codes, defined once (API, page, value-added table)
        PROMOTION = "promotion", "Promotion"
        EVENT = "event", "Local event"
        PRICE = "price", "Price change"
        SUPPLY = "supply", "Supply constraint"
        NEW_INFO = "market", "Customer or market information"
        CORRECTION = "correction", "Model correction"
        OTHER = "other", "Other"

    level = models.CharField(max_length=100, help_text="series, store, dept, store_type, total or an attribute level "
                             "(location.<attr>, item.<attr>)")
    key = models.JSONField(default=dict, help_text="the node: {store, dept} | {store} | {dept} | {type} | {}")
    periods = models.JSONField(default=list, help_text="ISO dates of the forecast periods it sets")
    value = models.FloatField(null=True, blank=True, help_text="the node's total in each period")
    percent = models.FloatField(null=True, blank=True, help_text="every series of the node moved by this %")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    stores = models.JSONField(default=list, help_text="the stores the node spans (scope checks)")
    run = models.ForeignKey(ForecastRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            help_text="the run it was set on")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class OverrideLine(models.Model):
    """What one override did to one series in one period when it was set:
    the figure it replaced and the one it set (judged against the actual
    when it arrives: forecast value added)."""

    pk = models.CompositePrimaryKey("override_id", "store", "dept", "date")
    override = models.ForeignKey(Override, on_delete=models.CASCADE, related_name="lines")
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    date = models.DateField()
    statistical = models.FloatField(help_text="the forecast before the override")
    final = models.FloatField(help_text="the forecast it set")

    class Meta:
        indexes = [models.Index(fields=["store", "dept", "date"])]


class Plan(CreatedByMixin, models.Model):
    """A forecast submitted for approval (analyst+) and, once approved
    (admin+), the workspace's plan: the final figures (statistical +
    overrides) of the served run frozen in its points. One plan is approved
    at a time; approving another supersedes it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Superseded"

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    run = models.ForeignKey(ForecastRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_number = models.PositiveIntegerField(help_text="the model version whose forecast it froze")
    origin = models.DateField()
    first_period = models.DateField()
    last_period = models.DateField()
    series = models.PositiveIntegerField()
    total = models.FloatField(help_text="the sum of its final figures")
    statistical_total = models.FloatField()
    overrides = models.PositiveIntegerField(help_text="active overrides it included")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_by_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["status"], condition=models.Q(status="approved"),
                                               name="one_approved_plan")]

    @property
    def approved_by_label(self) -> str:
        return Actor.recorded(user=self.approved_by, api_key=self.approved_by_key).label if self.approved_at else ""


class PlanPoint(models.Model):
    """One series' figure of a plan in one period (the final one, and the model's own)."""

    pk = models.CompositePrimaryKey("plan_id", "store", "dept", "date")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="points")
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    date = models.DateField()
    forecast = models.FloatField()
    statistical = models.FloatField()


class ExceptionDismissal(CreatedByMixin, models.Model):
    """A planner's answer to a row of the exceptions worklist (accepted as it
    is, or dismissed with a reason): the row stays hidden while its figures
    are those it was answered on (``basis``: the run, plan or week they came from)."""

    class Reason(models.TextChoices):  # the answers, defined once (API, page)
        ACCEPTED = "accepted", "Accepted as it is"
        KNOWN = "known_cause", "Known cause (event, promotion, closure)"
        DATA = "data_issue", "Data issue, being fixed"
        OVERRIDDEN = "overridden", "Handled by an override"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20)
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    basis = models.CharField(max_length=64)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "store", "dept", "basis"], name="one_answer_per_row")]
