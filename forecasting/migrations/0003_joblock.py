import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("forecasting", "0002_forecastrun_forecastpoint_modelversion_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobLock",
            fields=[
                ("job", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                             related_name="+", serialize=False, to="forecasting.job")),
            ],
        ),
        # every existing job gets its lock row (new jobs get theirs in job_create)
        migrations.RunSQL("INSERT INTO forecasting_joblock (job_id) SELECT id FROM forecasting_job",
                          reverse_sql=migrations.RunSQL.noop),
    ]
