"""The workspace's data: stores, weekly sales and covariates, uploads, stock on hand."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from jobs.models import CreatedByMixin, Job, RunStatus


class Store(models.Model):
    number = models.PositiveIntegerField(unique=True)
    type = models.CharField(max_length=10, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True, null=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Store {self.number}"


class SalesRecord(models.Model):
    """Weekly sales of one store-department. ``store`` is the store number
    (sales may arrive before the stores file). The natural key is the primary
    key: one index to maintain on bulk loads."""

    pk = models.CompositePrimaryKey("store", "dept", "date")
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    date = models.DateField(help_text="week-ending date")
    sales = models.FloatField()
    is_holiday = models.BooleanField(default=False)

    class Meta:
        ordering = ["store", "dept", "date"]


class Covariate(models.Model):
    """A retailer's own numeric covariate by period (issue 17 item 3), beside Walmart's nine of
    ``StoreWeek``: of a series (store and dept), of a location (dept 0), of an item (store 0) or of the
    calendar (both 0, e.g. the oil price). A later upload's value replaces an earlier one's."""

    pk = models.CompositePrimaryKey("name", "store", "dept", "date")
    name = models.CharField(max_length=64)
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    date = models.DateField(help_text="the period as stored: a week by its last day, a day, a month by its first")
    value = models.FloatField()


class CovariateSpec(models.Model):
    """How the engine reads a covariate: ``known`` (its future values are uploaded for the horizon and
    used there) or ``past`` (history only); a known one an admin marks as a lever is offered by the
    simulator."""

    class Kind(models.TextChoices):
        KNOWN = "known", "Known ahead"
        PAST = "past", "Past only"

    name = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    level = models.CharField(max_length=10, help_text="series, location, item or calendar")
    lever = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]


class StoreWeek(models.Model):
    """Weekly covariates of a store."""

    pk = models.CompositePrimaryKey("store", "date")
    store = models.PositiveIntegerField()
    date = models.DateField()
    temperature = models.FloatField(null=True, blank=True)
    fuel_price = models.FloatField(null=True, blank=True)
    markdown1 = models.FloatField(null=True, blank=True)
    markdown2 = models.FloatField(null=True, blank=True)
    markdown3 = models.FloatField(null=True, blank=True)
    markdown4 = models.FloatField(null=True, blank=True)
    markdown5 = models.FloatField(null=True, blank=True)
    cpi = models.FloatField(null=True, blank=True)
    unemployment = models.FloatField(null=True, blank=True)
    is_holiday = models.BooleanField(default=False)

    class Meta:
        ordering = ["store", "date"]


class Upload(CreatedByMixin, models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", "Sales"
        FEATURES = "features", "Features"
        STORES = "stores", "Stores"
        LOCATIONS = "locations", "Locations"
        ITEMS = "items", "Items"
        EVENTS = "events", "Events"
        COVARIATES = "covariates", "Covariates"

    class Status(models.TextChoices):
        """Its job's lifecycle (jobs.models.RunStatus) and one stop of its own: ``needs_mapping``, a file
        whose columns the product could not map with certainty waits for a confirmed mapping (issue 17)."""

        QUEUED = RunStatus.QUEUED.value, RunStatus.QUEUED.label
        RUNNING = RunStatus.RUNNING.value, RunStatus.RUNNING.label
        NEEDS_MAPPING = "needs_mapping", "Needs its column mapping"
        SUCCEEDED = RunStatus.SUCCEEDED.value, RunStatus.SUCCEEDED.label
        FAILED = RunStatus.FAILED.value, RunStatus.FAILED.label

    follows_job = True  # a re-queued job's running upload is queued again (jobs/recovery.py)

    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True,
                            help_text="empty until detected from the header")
    requested_kind = models.CharField(max_length=20, blank=True)
    original_filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    file_path = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    rows_total = models.BigIntegerField(default=0)
    inserted = models.BigIntegerField(default=0)
    updated = models.BigIntegerField(default=0)
    unchanged = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="first 1,000 errors")
    error_count = models.BigIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    dataset_version = models.PositiveIntegerField(null=True, blank=True,
                                                  help_text="dataset version this upload produced")
    job = models.OneToOneField(Job, null=True, on_delete=models.SET_NULL, related_name="upload")
    mapping = models.JSONField(default=dict, blank=True, help_text="the column mapping it was read with "
                                                                   "(issue 17); empty: Walmart's own headers")
    proposed_mapping = models.JSONField(default=dict, blank=True, help_text="needs_mapping: the proposal")
    preview = models.JSONField(default=list, blank=True, help_text="needs_mapping: the first rows as written")
    layout = models.CharField(max_length=40, blank=True, help_text="the known or saved layout it was read as")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.status})"


class OnHandStock(models.Model):
    """Stock on hand per series, from the tenant's last on-hand upload (``Store,Dept,OnHand``): the
    inventory targets subtract it to give the quantity to order. An upload replaces every row."""

    pk = models.CompositePrimaryKey("store", "dept")
    store = models.PositiveIntegerField()
    dept = models.PositiveIntegerField()
    on_hand = models.FloatField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["store", "dept"]
