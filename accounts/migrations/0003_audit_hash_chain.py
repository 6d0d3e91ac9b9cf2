"""Tamper-evident audit: chain every event to the one before it by hash.

Existing events are backfilled in their order (created_at, id) with the same
hash function new events use (``accounts.audit.hash``, whose canonical form is
frozen). The append-only trigger is switched off for this backfill only, in
this migration's transaction, and back on before it commits."""
from django.db import migrations, models

from accounts.audit.hash import GENESIS, content_hash, fields_of

TRIGGER = "accounts_auditevent_no_update_delete"
UPDATE = "UPDATE accounts_auditevent SET sequence = %s, prev_hash = %s, hash = %s WHERE id = %s"


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    AuditChainHead = apps.get_model("accounts", "AuditChainHead")
    db = schema_editor.connection.alias
    seq, prev = 0, GENESIS
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"ALTER TABLE accounts_auditevent DISABLE TRIGGER {TRIGGER}")
        batch = []
        for event in AuditEvent.objects.using(db).order_by("created_at", "id").iterator(chunk_size=2000):
            seq += 1
            event.sequence, event.prev_hash = seq, prev
            prev = content_hash(fields_of(event))
            batch.append((seq, event.prev_hash, prev, event.pk))
            if len(batch) >= 1000:
                cur.executemany(UPDATE, batch)
                batch = []
        if batch:
            cur.executemany(UPDATE, batch)
        cur.execute(f"ALTER TABLE accounts_auditevent ENABLE TRIGGER {TRIGGER}")
    AuditChainHead.objects.using(db).update_or_create(pk=1, defaults={"sequence": seq, "hash": prev})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("sequence", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField("auditevent", "sequence", models.BigIntegerField(null=True)),
        migrations.AddField("auditevent", "prev_hash", models.CharField(max_length=64, default="")),
        migrations.AddField("auditevent", "hash", models.CharField(max_length=64, default="")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField("auditevent", "sequence", models.BigIntegerField(unique=True)),
        migrations.AlterField("auditevent", "prev_hash", models.CharField(max_length=64)),
        migrations.AlterField("auditevent", "hash", models.CharField(max_length=64)),
    ]
