"""Aggregates by any grouping attribute of the locations and items (issue 17
item 6): the level and key columns hold the hierarchy's names
(``location.<attr>`` ...) and values up to 100 characters, and the levels of
runs stored before take their new names (``store_type`` -> ``location.type``,
``store`` -> ``location``, ``dept`` -> ``item``; their keys are unchanged).
The reverse renames them back."""
from django.db import migrations, models

FORWARD = """UPDATE forecasting_forecastaggregate SET level = CASE level
    WHEN 'store_type' THEN 'location.type' WHEN 'store' THEN 'location' WHEN 'dept' THEN 'item' END
    WHERE level IN ('store_type', 'store', 'dept')"""
BACKWARD = """UPDATE forecasting_forecastaggregate SET level = CASE level
    WHEN 'location.type' THEN 'store_type' WHEN 'location' THEN 'store' WHEN 'item' THEN 'dept' END
    WHERE level IN ('location.type', 'location', 'item')"""


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0022_exceptions_snapshot")]

    operations = [
        migrations.AlterField("forecastaggregate", "level", models.CharField(
            max_length=100, help_text="total, location, item, location.<attr> or item.<attr>")),
        migrations.AlterField("forecastaggregate", "key", models.CharField(
            max_length=100, help_text="'all', the attribute's value, the location or item id")),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
