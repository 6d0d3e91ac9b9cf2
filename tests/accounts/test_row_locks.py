"""Row locks never deadlock with the audit chain (bench/fuzz.py found one: 1 x 500 on
PUT /api/v1/members/{id}/stores/ as an admin, two requests at once; a role change, a deactivation
or a key's scope change locks its row the same way).

A service locks the row it changes, then appends its audit event (which locks the chain head).
Another request that holds the head commits a row referring to that one (an API key the member
creates: ``created_by``); Django's foreign keys are checked at commit, where the check takes a KEY
SHARE lock on the member's row. A plain FOR UPDATE conflicts with KEY SHARE, so each waited for the
other; FOR NO KEY UPDATE (the lock of a change that keeps the row's key) does not. The test reaches exactly that interleaving, never by timing: the
second transaction goes on only once PostgreSQL shows the first one waiting for the head."""
from __future__ import annotations

import threading
import time

from django.db import connection, connections, transaction

from tests.conftest import add_member, in_tenant, provision


def _waiting_for_a_lock(timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cur.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_a_role_change_and_a_key_created_by_its_member_both_commit(db_access):
    from accounts import services
    from accounts.audit import Actor
    from accounts.audit.chain import lock_head
    from accounts.models import ApiKey, User

    t = provision("lock")
    admin = add_member(t, "admin")
    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    head_held, errors, done = threading.Event(), [], []

    def role_change():  # request A: the owner demotes the admin (locks the admin's row, then the head)
        try:
            head_held.wait(20)
            with in_tenant(t):
                services.member_change_role(actor=Actor.for_user(owner), user_id=admin.pk, role="analyst")
            done.append("role")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    a = threading.Thread(target=role_change)
    a.start()
    try:
        with in_tenant(t), transaction.atomic():  # request B: the head first, then a key by the admin
            lock_head()
            head_held.set()
            assert _waiting_for_a_lock(), "request A never reached the chain head"
            services.api_key_create(actor=Actor.for_user(admin), name="admin's key", role="viewer")
        done.append("key")
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))
    a.join(30)
    assert not errors, errors
    assert sorted(done) == ["key", "role"]
    with in_tenant(t):
        assert User.objects.get(pk=admin.pk).role == "analyst"
        assert ApiKey.objects.get(name="admin's key").created_by_id == admin.pk
