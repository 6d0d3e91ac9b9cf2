"""What planners save and what the worker precomputes for their pages: scenarios, figures and insights."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from jobs.models import CreatedByMixin

from .lifecycle import ModelVersion


class Scenario(CreatedByMixin, models.Model):
    """A promotion what-if saved under a name (the simulator's inputs and its
    answer when saved); unsaved simulations are not stored."""

    name = models.CharField(max_length=120)
    store = models.PositiveIntegerField(db_index=True)
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

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    data = models.JSONField(help_text="{'results': [row, ...], ...}; every row has its store")
    dataset_version = models.PositiveIntegerField()
    source_run = models.PositiveIntegerField(null=True, help_text="id of the served run it used")
    seconds = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)
