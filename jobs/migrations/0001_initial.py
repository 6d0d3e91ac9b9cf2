"""Job and JobLock move here from forecasting, rows and all: only Django's
state changes (the tables keep their names, ``forecasting_job`` and
``forecasting_joblock``; see ``Meta.db_table``). forecasting 0013 then drops
the models from its own state and points its foreign keys at ``jobs.Job``.

Depends on forecasting 0012 so that an existing schema, where the tables were
made by forecasting's migrations, takes this step after them."""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_audit_append_only"),
        ("forecasting", "0012_retrainingpolicy_shadow_weeks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the tables exist (forecasting 0001 and 0003): nothing to create or copy
            state_operations=[
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("kind", models.CharField(choices=[("ingest", "Ingest upload"), ("train", "Train model"),
                                                           ("forecast", "Forecast"), ("export", "Workspace export"),
                                                           ("refresh", "Refresh forecast"),
                                                           ("evaluate", "Live accuracy and drift")],
                                                  max_length=20)),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"),
                                                             ("succeeded", "Succeeded"), ("failed", "Failed")],
                                                    db_index=True, default="queued", max_length=20)),
                        ("progress", models.FloatField(default=0.0)),
                        ("message", models.CharField(blank=True, max_length=300)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True,
                                                         on_delete=django.db.models.deletion.SET_NULL,
                                                         related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("created_by_key", models.ForeignKey(blank=True, null=True,
                                                             on_delete=django.db.models.deletion.SET_NULL,
                                                             related_name="+", to="accounts.apikey")),
                    ],
                    options={"db_table": "forecasting_job", "ordering": ["-created_at", "-id"]},
                ),
                migrations.CreateModel(
                    name="JobLock",
                    fields=[
                        ("job", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                     related_name="+", serialize=False, to="jobs.job")),
                    ],
                    options={"db_table": "forecasting_joblock"},
                ),
            ],
        ),
    ]
