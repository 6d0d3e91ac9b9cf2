"""Issue 16: admin keys are never store-restricted (as admin members are not:
admins invite members, create keys and set scopes, so a restriction on them
would not hold). An admin key restricted before that rule keeps its stores and
becomes an analyst key: the narrowing direction, never a wider scope."""
from django.db import migrations


def lower_restricted_admin_keys(apps, schema_editor):
    ApiKey = apps.get_model("accounts", "ApiKey")
    ApiKey.objects.filter(role="admin", store_scopes__isnull=False).update(role="analyst")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_notice_dismissed_by")]

    operations = [migrations.RunPython(lower_restricted_admin_keys, migrations.RunPython.noop)]
