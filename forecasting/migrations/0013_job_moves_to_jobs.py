"""Job and JobLock now belong to the jobs app (jobs 0001): forecasting's
foreign keys point at ``jobs.Job`` and the two models leave forecasting's
state. State only: the columns, constraints and rows are unchanged (the
tables keep their names)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("forecasting", "0012_retrainingpolicy_shadow_weeks"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="upload", name="job",
                    field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="upload", to="jobs.job"),
                ),
                migrations.AlterField(
                    model_name="modelversion", name="job",
                    field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="model_version", to="jobs.job"),
                ),
                migrations.AlterField(
                    model_name="forecastrun", name="job",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="+", to="jobs.job"),
                ),
                migrations.DeleteModel(name="JobLock"),
                migrations.DeleteModel(name="Job"),
            ],
        ),
    ]
