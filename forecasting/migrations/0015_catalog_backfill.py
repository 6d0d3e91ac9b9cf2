"""Existing workspaces in place (issue 17, acceptance 6): every store and
department they hold becomes a location and an item whose id is its number and
whose code is that number as text (so every fact table, model artifact and
forecast keeps its keys), the stores file's type, size and coordinates become
location attributes, and the planning frequency is read from the sales' weekday."""
from django.db import migrations

LOCATIONS = """
INSERT INTO forecasting_location (id, code, name, attrs, created_at)
SELECT ids.n, ids.n::text, coalesce(s.name, ''),
       jsonb_strip_nulls(jsonb_build_object('type', nullif(s.type, ''), 'size', s.size,
                                            'latitude', s.latitude, 'longitude', s.longitude)),
       now()
FROM (SELECT number AS n FROM forecasting_store
      UNION SELECT DISTINCT store FROM forecasting_salesrecord
      UNION SELECT DISTINCT store FROM forecasting_storeweek
      UNION SELECT DISTINCT store FROM forecasting_onhandstock) ids
LEFT JOIN forecasting_store s ON s.number = ids.n
ON CONFLICT DO NOTHING
"""
ITEMS = """
INSERT INTO forecasting_item (id, code, name, attrs, created_at)
SELECT ids.n, ids.n::text, '', '{}'::jsonb, now()
FROM (SELECT DISTINCT dept AS n FROM forecasting_salesrecord
      UNION SELECT DISTINCT dept FROM forecasting_onhandstock) ids
ON CONFLICT DO NOTHING
"""
SETTINGS = """
INSERT INTO forecasting_datasettings (id, frequency, period_label, country, subdivision, holiday_weight,
    location_word, location_word_plural, item_word, item_word_plural, measure_word, measure_unit, legacy_keys)
SELECT 1, coalesce('W-' || (ARRAY['MON','TUE','WED','THU','FRI','SAT','SUN'])[extract(isodow FROM d)::int], ''),
       'end', '', '', 5.0, 'Store', 'Stores', 'Department', 'Departments', 'Sales', '$', true
FROM (SELECT max(date) AS d FROM forecasting_salesrecord) last
ON CONFLICT DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0014_catalog")]

    operations = [
        migrations.RunSQL(LOCATIONS, migrations.RunSQL.noop),
        migrations.RunSQL(ITEMS, migrations.RunSQL.noop),
        migrations.RunSQL(SETTINGS, "DELETE FROM forecasting_datasettings"),
    ]
