"""The workspace's catalogue in its own codes and words (issue 17): locations
and items with their attributes, and the data settings (planning frequency,
country for public holidays, the words for location and item).

A location or item has a small integer ``id`` used by every fact table (a sales
row's ``store`` and ``dept`` columns hold these ids) and the retailer's text
``code``. A workspace that came from Walmart's layout has ``id`` = the store or
department number and ``code`` = that number as text, so its integer ``store`` /
``dept`` API fields keep their meaning (``DataSettings.legacy_keys``)."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

CODE_MAX = 64


class _Member(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    code = models.CharField(max_length=CODE_MAX, unique=True, help_text="the retailer's code, case preserved")
    name = models.CharField(max_length=200, blank=True)
    attrs = models.JSONField(default=dict, blank=True, help_text="{name: text or number}, e.g. {'type': 'A'}")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["id"]


class Location(_Member):
    """Where demand happens: a store, a warehouse, a channel."""

    def __str__(self) -> str:
        return f"Location {self.code}"


class Item(_Member):
    """What is demanded: a SKU, a department, a category."""

    def __str__(self) -> str:
        return f"Item {self.code}"


class DataSettings(models.Model):
    """One row per workspace (pk 1): how its data is read and named. Rules:
    forecasting/catalog/rules.py; writes: forecasting/catalog/services.py."""

    class PeriodLabel(models.TextChoices):
        START = "start", "Start of the period"
        END = "end", "End of the period"

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    frequency = models.CharField(max_length=5, blank=True,
                                 help_text="D, W-<DAY> or MS; blank until the first sales upload")
    period_label = models.CharField(max_length=5, choices=PeriodLabel.choices, default=PeriodLabel.END)
    country = models.CharField(max_length=3, blank=True, help_text="ISO 3166 code: public holidays")
    subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. a state's code")
    holiday_weight = models.FloatField(default=5.0, help_text="weight of a holiday period in the error measure")
    location_word = models.CharField(max_length=40, default="Store")
    location_word_plural = models.CharField(max_length=40, default="Stores")
    item_word = models.CharField(max_length=40, default="Department")
    item_word_plural = models.CharField(max_length=40, default="Departments")
    measure_word = models.CharField(max_length=40, default="Sales")
    measure_unit = models.CharField(max_length=12, default="$", help_text="'$', '€', 'units'...")
    forecast_retention_days = models.PositiveIntegerField(
        default=400, help_text="a forecast run older than this whose horizon has passed keeps its aggregates only")
    materiality_floor = models.FloatField(default=1000.0, help_text="a figure whose base is below this much a "
                                          "week (in the measure's unit) shows no ratio and is not ranked")
    location_header = models.CharField(max_length=200, default="Store", help_text="the key columns' headers "
                                       "in the workspace's files (the forecast export writes them)")
    item_header = models.CharField(max_length=200, default="Dept")
    legacy_keys = models.BooleanField(default=True, help_text="codes are Walmart's store and department numbers: "
                                                              "the integer store/dept fields and parameters work")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_data_settings")]


class Layout(models.Model):
    """A confirmed column mapping, reused without asking for files with the same header (issue 17)."""

    signature = models.CharField(max_length=64, unique=True, help_text="sha256 of the normalised header")
    header = models.JSONField(help_text="the header as the file wrote it")
    mapping = models.JSONField(help_text="the mapping's JSON form (forecasting/ingest/mapping/roles.py)")
    name = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]


class Event(models.Model):
    """A day with a holiday or event (issue 17 item 4), uploaded by the retailer (an events file, or a
    yes/no column such as Walmart's ``IsHoliday``). ``scope`` is ``national``, an attribute value of the
    locations (a state, a city) or a location's code. The country's public holidays are not stored: they
    come from the ``holidays`` library for the data settings' country (forecasting/ml/events.py)."""

    date = models.DateField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, default="event", help_text="holiday, event, additional, bridge...")
    scope = models.CharField(max_length=200, default="national")
    upload = models.ForeignKey("forecasting.Upload", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "scope", "name"]
        constraints = [models.UniqueConstraint(fields=["date", "name", "scope"], name="one_event_per_day_and_scope")]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.scope})"
