"""Tamper-evident audit (issue 11 item 6, acceptance 5): each event is chained
to the one before it by hash; verify_audit names the first broken event, also
after a superuser switched the append-only trigger off and edited or deleted a
row."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tests.conftest import REPO, add_member, in_tenant, service_env

TRIGGER = "accounts_auditevent_no_update_delete"


def _verify(slug: str | None = None) -> tuple[str, CommandError | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", *(["--tenant", slug] if slug else []), stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def _as_superuser(t, *sql_and_params):
    """What a database superuser can do: switch the trigger off, change rows, switch it on."""
    with in_tenant(t), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"ALTER TABLE accounts_auditevent DISABLE TRIGGER {TRIGGER}")
        for sql, params in sql_and_params:
            cur.execute(sql, params)
        cur.execute(f"ALTER TABLE accounts_auditevent ENABLE TRIGGER {TRIGGER}")


def _events(t):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return list(AuditEvent.objects.order_by("sequence"))


def _grow(t, n=4):
    for _ in range(n):
        add_member(t, "viewer")


def test_events_are_chained(tenant):
    from accounts.audit.hash import GENESIS, content_hash, fields_of

    _grow(tenant, 2)
    events = _events(tenant)
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
        assert after.created_at >= before.created_at
    for e in events:
        assert e.hash == content_hash(fields_of(e)) and len(e.hash) == 64


def test_verify_passes_on_clean_chains(tenant, tenant_b):
    _grow(tenant)
    out, _ = _verify()  # other tests of this session leave broken tenants behind
    assert f"OK      {tenant.slug}:" in out and f"OK      {tenant_b.slug}:" in out
    out, err = _verify(tenant.slug)
    assert err is None and tenant_b.slug not in out


def test_odd_values_survive_the_round_trip(tenant):
    """What PostgreSQL gives back (jsonb key order and numbers, inet, timestamptz)
    hashes like what was written."""
    from accounts.audit import Actor, audit_record

    with in_tenant(tenant):
        audit_record(action="member.create", actor=Actor.system(ip="2001:DB8:0:0::1", request_id="r-\u00e9"),
                     target_type="user", target_id=10 ** 12,
                     payload={"z": 1e20, "a": [3.0, 0.1, 1e-7, -0.0], "é": "\u00b2 =1+1", "n": None, "b": True,
                              "nested": {"y": 2, "x": "\U0001f600"}})
        audit_record(action="member.create", actor=Actor.system(ip="::ffff:10.0.0.1"), payload={})
    out, err = _verify(tenant.slug)
    assert err is None, out


def test_updated_payload_is_named(tenant):
    _grow(tenant)
    victim = _events(tenant)[2]
    _as_superuser(tenant, ("UPDATE accounts_auditevent SET payload = %s WHERE id = %s",
                           ['{"email": "someone-else@x.test"}', victim.pk]))
    assert _events(tenant)[2].payload == {"email": "someone-else@x.test"}  # the edit really happened
    out, err = _verify(tenant.slug)
    assert err is not None and err.returncode == 1
    assert f"BROKEN  {tenant.slug}: event id={victim.pk} (sequence {victim.sequence}): content does not match" in out


def test_rehashed_edit_is_named_by_the_next_link(tenant):
    """An editor who also recomputes the edited row's hash breaks the next link."""
    from accounts.audit.hash import content_hash, fields_of

    _grow(tenant)
    events = _events(tenant)
    victim, after = events[2], events[3]
    victim.action = "member.reactivate"
    _as_superuser(tenant, ("UPDATE accounts_auditevent SET action = %s, hash = %s WHERE id = %s",
                           [victim.action, content_hash(fields_of(victim)), victim.pk]))
    out, err = _verify(tenant.slug)
    assert err is not None
    assert f"event id={after.pk} (sequence {after.sequence}): prev_hash" in out and f"event id={victim.pk}" in out


def test_deleted_row_in_the_middle_is_named(tenant):
    _grow(tenant)
    events = _events(tenant)
    gone, after = events[3], events[4]
    _as_superuser(tenant, ("DELETE FROM accounts_auditevent WHERE id = %s", [gone.pk]))
    out, err = _verify(tenant.slug)
    assert err is not None
    assert (f"event id={after.pk} (sequence {after.sequence}): sequence {gone.sequence} missing "
            f"(after event id={events[2].pk})") in out


def test_deleted_tail_is_seen_by_the_head(tenant):
    _grow(tenant)
    last = _events(tenant)[-1]
    _as_superuser(tenant, ("DELETE FROM accounts_auditevent WHERE id = %s", [last.pk]))
    out, err = _verify(tenant.slug)
    assert err is not None and "chain head" in out and "the last 1 event(s) were deleted" in out


def test_one_broken_tenant_does_not_hide_the_others(tenant, tenant_b):
    victim = _events(tenant)[0]
    _as_superuser(tenant, ("UPDATE accounts_auditevent SET ip = '6.6.6.6' WHERE id = %s", [victim.pk]))
    out, err = _verify()
    assert err is not None and err.returncode == 1 and "audit chain broken in" in str(err)
    assert f"BROKEN  {tenant.slug}" in out and f"OK      {tenant_b.slug}" in out


def test_unknown_tenant(db_access):
    out, err = _verify("no-such-tenant")
    assert err is not None and err.returncode == 2


def test_exit_code_from_the_shell(tenant):
    env = service_env()
    ok = subprocess.run([sys.executable, "manage.py", "verify_audit", "--tenant", tenant.slug], cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    victim = _events(tenant)[1]
    _as_superuser(tenant, ("UPDATE accounts_auditevent SET created_at = created_at - interval '1 day' "
                           "WHERE id = %s", [victim.pk]))
    bad = subprocess.run([sys.executable, "manage.py", "verify_audit", "--tenant", tenant.slug], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and f"event id={victim.pk}" in bad.stdout, (bad.stdout, bad.stderr)


def test_concurrent_writers_queue_instead_of_forking(tenant):
    """A writer inside an open transaction holds the chain head: a second writer
    waits for it (seen in pg_locks), then chains onto its event."""
    from accounts.audit import Actor, audit_record
    from accounts.models import AuditEvent

    first_written, release, results = threading.Event(), threading.Event(), {}

    def first():
        try:
            with in_tenant(tenant), transaction.atomic():
                results["first"] = audit_record(action="member.create", actor=Actor.system(), payload={"n": 1})
                first_written.set()
                release.wait(60)
        finally:
            connection.close()

    def second():
        try:
            with in_tenant(tenant), transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_backend_pid()")
                    results["second_pid"] = cur.fetchone()[0]
                first_written.wait(60)
                results["second"] = audit_record(action="member.create", actor=Actor.system(), payload={"n": 2})
        finally:
            connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    assert first_written.wait(60)
    b.start()
    waiting = False
    with connection.cursor() as cur:  # poll until the second writer is blocked on a lock (no timing assumed)
        for _ in range(600):
            cur.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [results.get("second_pid", -1)])
            if cur.fetchone()[0]:
                waiting = True
                break
            threading.Event().wait(0.1)
    release.set()
    a.join(60)
    b.join(60)
    assert waiting, "the second writer never waited for the first"
    assert results["second"].sequence == results["first"].sequence + 1
    assert results["second"].prev_hash == results["first"].hash
    with in_tenant(tenant):
        assert AuditEvent.objects.filter(sequence=results["second"].sequence).count() == 1
    assert _verify(tenant.slug)[1] is None


def test_backfill_migration_chains_existing_events(tenant):
    """The migration's backfill, run against events written without a chain
    (sequence, hashes and head wiped), rebuilds the same chain."""
    import importlib

    from django.apps import apps as global_apps

    migration = importlib.import_module("accounts.migrations.0003_audit_hash_chain")
    _grow(tenant, 2)
    before = [(e.pk, e.sequence, e.prev_hash, e.hash) for e in _events(tenant)]
    _as_superuser(tenant, ("UPDATE accounts_auditevent SET sequence = -id, prev_hash = '', hash = ''", []))
    with in_tenant(tenant):
        from accounts.models import AuditChainHead

        AuditChainHead.objects.all().delete()
        assert _verify(tenant.slug)[1] is not None
        with transaction.atomic():
            migration.backfill(global_apps, connection.schema_editor())
    assert [(e.pk, e.sequence, e.prev_hash, e.hash) for e in _events(tenant)] == before
    assert _verify(tenant.slug)[1] is None


def test_trigger_is_still_there(tenant):
    from django.db import DatabaseError

    with in_tenant(tenant), pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE accounts_auditevent SET hash = 'x'")


def test_event_inserted_beside_the_head_is_named(tenant):
    """A row inserted straight into the table (the trigger allows INSERT) but
    not through audit_record does not move the head."""
    from accounts.audit.hash import content_hash, fields_of

    last = _events(tenant)[-1]
    forged = {**fields_of(last), "sequence": last.sequence + 1, "prev_hash": last.hash, "action": "member.create"}
    with in_tenant(tenant), connection.cursor() as cur:
        cur.execute("INSERT INTO accounts_auditevent (created_at, action, actor_label, request_id, target_type, "
                    "target_id, payload, sequence, prev_hash, hash) VALUES (%s, %s, '', '', '', '', %s, %s, %s, %s) "
                    "RETURNING id", [forged["created_at"], forged["action"], '{}', forged["sequence"], last.hash,
                                     content_hash({**forged, "actor_user_id": None, "actor_api_key_id": None,
                                                   "actor_label": "", "ip": None, "request_id": "",
                                                   "target_type": "", "target_id": "", "payload": {}})])
        forged_id = cur.fetchone()[0]
    out, err = _verify(tenant.slug)
    assert err is not None and f"event id={forged_id} (sequence {last.sequence + 1}): beyond the chain head" in out


def test_verify_while_writers_append(tenant):
    """An event committed by another writer after verify read the head, before
    its walk, is not taken for a break."""
    from accounts.audit import Actor, audit_record, chain
    from accounts.models import AuditEvent

    _grow(tenant, 2)

    def write_elsewhere():
        try:
            with in_tenant(tenant):
                audit_record(action="member.create", actor=Actor.system(), payload={"late": True})
        finally:
            connection.close()

    class LateWriter:
        """Stands in for the model: the first query through ``objects`` (the
        walk) starts only after another connection committed a new event."""

        written = False

        def __getattr__(self, name):
            if name == "objects" and not LateWriter.written:
                LateWriter.written = True
                t = threading.Thread(target=write_elsewhere)
                t.start()
                t.join(60)
            return getattr(AuditEvent, name)

    real = chain.AuditEvent
    chain.AuditEvent = LateWriter()
    try:
        with in_tenant(tenant):
            report = chain.verify_chain(chunk_size=2)
    finally:
        chain.AuditEvent = real
    assert LateWriter.written
    assert report.ok, report.first_break
    assert report.events == report.head_sequence == len(_events(tenant)) - 1
    assert _verify(tenant.slug)[1] is None  # and the next run covers the late event
