"""Statements (issue 11 item 3, acceptance 4): a month of generated usage gives
the expected line items and totals; issuing is idempotent; an issued statement
cannot be changed through the ORM or raw SQL; PDF and CSV downloads; plan
changes (upgrade now, downgrade refused with the reason), audited."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.models import Statement, StatementImmutable, UsageDay
from billing.statements import statement_issue, statements_issue_due
from tests.conftest import add_member, api_client, in_tenant, provision, web_client

SEPT = date(2026, 9, 1)


def _generate_month(t, start: date, days: int, **per_day):
    UsageDay.objects.bulk_create([UsageDay(tenant=t.tenant, day=start + timedelta(days=i), **per_day)
                                  for i in range(days)])


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


@pytest.fixture
def september(tenant):
    """A Pro tenant with 30 days of usage in September 2026."""
    _generate_month(tenant, SEPT, 30, api_requests=40_000, rows_ingested=100_000, trainings=2,
                    training_seconds=6_060, forecasts_served=20_000, simulations=400, rows_stored=5_000,
                    storage_bytes=1024)
    UsageDay.objects.create(tenant=tenant.tenant, day=date(2026, 10, 1), api_requests=10**9)  # not September
    return tenant, statement_issue(tenant=tenant.tenant, period_start=date(2026, 9, 17))


def test_statement_of_a_generated_month_has_the_expected_totals(september):
    t, st = september
    assert (st.period_start, st.period_end, st.plan, st.currency) == (SEPT, date(2026, 9, 30), "pro", "USD")
    assert st.usage["api_requests"] == 1_200_000 and st.usage["training_minutes"] == 3_030
    lines = {line["code"]: line for line in st.line_items}
    # Pro: 299.00 a month; overage at 0.8 x the list price, per started block beyond the included amount
    assert lines["plan"]["amount"] == "299.00"
    assert (lines["overage.api_requests"]["quantity"], lines["overage.api_requests"]["amount"]) == (200, "80.00")
    assert (lines["overage.training_minutes"]["quantity"], lines["overage.training_minutes"]["amount"]) == (30, "2.40")
    assert (lines["overage.forecasts_served"]["quantity"], lines["overage.forecasts_served"]["amount"]) == (100, "80.00")
    assert (lines["overage.simulations"]["quantity"], lines["overage.simulations"]["amount"]) == (2_000, "80.00")
    assert "overage.rows_ingested" not in lines  # 3,000,000 of 20,000,000 included
    assert st.total == Decimal("541.40") == st.subtotal
    assert sum(Decimal(line["amount"]) for line in st.line_items) == st.total


def test_issuing_is_idempotent_and_audited(september):
    from accounts.models import AuditEvent

    t, st = september
    again = statement_issue(tenant=t.tenant, period_start=SEPT)
    assert again.pk == st.pk and Statement.objects.filter(tenant=t.tenant, period_start=SEPT).count() == 1
    with in_tenant(t):
        events = AuditEvent.objects.filter(action="billing.statement_issued", target_id=str(st.pk))
        assert events.count() == 1 and events.get().actor_label == "system"


def test_month_end_task_issues_one_per_tenant(tenant):
    from django.utils import timezone

    today = timezone.now().date()
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    first = statements_issue_due(today=next_month)
    mine = [s for s in first if s.tenant_id == tenant.tenant.pk]
    assert len(mine) == 1 and mine[0].period_start == today.replace(day=1)
    assert not [s for s in statements_issue_due(today=next_month) if s.tenant_id == tenant.tenant.pk]
    assert Statement.objects.filter(tenant=tenant.tenant).count() == 1


def test_month_end_task_goes_on_past_a_failing_tenant(tenant, monkeypatch):
    """One workspace whose statement cannot be issued (here: its audit log
    refuses writes) does not hold up the others; it is retried next run."""
    from django.utils import timezone

    from billing import statements
    from tenants.models import Tenant

    broken = provision("brk")
    real = statements.audit_record

    def refuse_for_broken(**kwargs):
        if connection.schema_name == broken.schema:
            raise IntegrityError("audit chain head out of step")
        return real(**kwargs)

    monkeypatch.setattr(statements, "audit_record", refuse_for_broken)
    today = timezone.now().date()
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    issued = statements_issue_due(today=next_month)
    assert tenant.tenant.pk in {s.tenant_id for s in issued}
    assert broken.tenant.pk not in {s.tenant_id for s in issued}
    assert not Statement.objects.filter(tenant=Tenant.objects.get(slug=broken.slug)).exists()  # nothing half-written
    monkeypatch.setattr(statements, "audit_record", real)
    again = statements_issue_due(today=next_month)
    assert [s.tenant_id for s in again if s.tenant_id in (tenant.tenant.pk, broken.tenant.pk)] == [broken.tenant.pk]


def test_issued_statement_cannot_be_changed(september):
    t, st = september
    st.total = Decimal("0.01")
    with pytest.raises(StatementImmutable):
        st.save()
    with pytest.raises(StatementImmutable):
        st.delete()
    for attempt in (lambda: Statement.objects.filter(pk=st.pk).update(total=Decimal("1.00")),
                    lambda: Statement.objects.filter(pk=st.pk).delete()):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            attempt()
    for sql in ("UPDATE public.billing_statement SET total = 0 WHERE id = %s",
                "UPDATE public.billing_statement SET line_items = '[]' WHERE id = %s",
                "DELETE FROM public.billing_statement WHERE id = %s"):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [st.pk])
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE public.billing_statement")
    fresh = Statement.objects.get(pk=st.pk)
    assert fresh.total == Decimal("541.40") and len(fresh.line_items) == 5
    # the one change allowed: a purged workspace's statement is detached, every figure kept
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE public.billing_statement SET tenant_id = NULL WHERE id = %s", [st.pk])
        assert Statement.objects.get(pk=st.pk).tenant_id is None
        transaction.set_rollback(True)


def test_statement_api_and_downloads(september):
    t, st = september
    client = api_client(t, user=_owner(t))
    listed = client.get("/api/v1/statements/").json()
    assert [s["number"] for s in listed["results"]] == [st.number]
    detail = client.get(f"/api/v1/statements/{st.pk}/").json()
    assert detail["total"] == "541.40" and detail["currency"] == "USD" and len(detail["line_items"]) == 5
    pdf = client.get(f"/api/v1/statements/{st.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and st.number in pdf["Content-Disposition"]
    raw = client.get(f"/api/v1/statements/{st.pk}.csv")
    assert raw.status_code == 200 and raw["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(raw.content.decode())))
    assert [r["code"] for r in rows][-1] == "total" and rows[-1]["amount"] == "541.40"
    assert sum(Decimal(r["amount"]) for r in rows[:-1]) == Decimal("541.40")


def test_statement_csv_is_formula_safe(tenant):
    tenant.tenant.name = "=HYPERLINK(\"http://evil\")"
    st = statement_issue(tenant=tenant.tenant, period_start=date(2026, 8, 1))
    from billing.statement_files import statement_csv, statement_pdf

    assert statement_pdf(st).startswith(b"%PDF-")
    rows = list(csv.DictReader(io.StringIO(statement_csv(st))))
    assert rows and all(r["workspace"] == "'=HYPERLINK(\"http://evil\")" for r in rows)


def test_plan_change_upgrade_now_downgrade_refused_with_reason(db_access):
    from accounts.models import AuditEvent

    t = provision("plan", plan="free")
    owner = _owner(t)
    client = api_client(t, user=owner)
    resp = client.patch("/api/v1/plan/", {"plan": "pro"}, format="json")
    assert resp.status_code == 200 and resp.json()["plan"] == "pro" and resp.json()["changed"] is True
    for _ in range(5):  # owner + 5 = 6 active members: more than the Free plan's 5
        add_member(t, "viewer")
    resp = client.patch("/api/v1/plan/", {"plan": "free"}, format="json")
    assert resp.status_code == 409, resp.content
    err = resp.json()["error"]
    assert err["code"] == "downgrade_blocked" and "5 active members allowed, 6 in use" in err["message"]
    assert err["details"]["limits"][0]["limit"] == "members"
    assert client.get("/api/v1/plan/").json()["plan"] == "pro"
    assert client.patch("/api/v1/plan/", {"plan": "gold"}, format="json").status_code == 400
    with in_tenant(t):
        events = list(AuditEvent.objects.filter(action="billing.plan_changed"))
        assert [(e.payload["from"], e.payload["to"]) for e in events] == [("free", "pro")]
        from accounts.models import User

        User.objects.filter(role="viewer").update(is_active=False)
    assert client.patch("/api/v1/plan/", {"plan": "free"}, format="json").json()["plan"] == "free"


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 403), ("owner", 302)])
def test_plan_change_web_route_by_role(db_access, role, status):
    t = provision("planweb", plan="free")
    user = _owner(t) if role == "owner" else add_member(t, role)
    resp = web_client(t, user=user).post("/billing/plan/", {"plan": "pro"})
    assert resp.status_code == status
    from tenants.models import Tenant

    assert Tenant.objects.get(pk=t.tenant.pk).plan == ("pro" if role == "owner" else "free")
    page = web_client(t, user=user).get("/billing/")
    assert page.status_code == (403 if role in ("viewer", "analyst") else 200)


def test_plan_change_web_route_refuses_other_tenants_session(tenant, tenant_b):
    resp = web_client(tenant, user=_owner(tenant)).post("/billing/plan/", {"plan": "enterprise"},
                                                       HTTP_HOST=tenant_b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    from tenants.models import Tenant

    assert Tenant.objects.get(pk=tenant_b.tenant.pk).plan == "pro"


def test_statement_carries_the_workspace_branding(tenant):
    """Reports carry the branding: the display name on the statement, the logo
    and accent colour in its PDF letterhead."""
    import io as _io

    from PIL import Image

    from accounts.audit import Actor
    from accounts.models import User
    from billing.statement_files import statement_pdf
    from tenants.branding import branding_update
    from tests.conftest import in_tenant

    plain = statement_issue(tenant=tenant.tenant, period_start=date(2026, 6, 1))
    assert b"/Subtype /Image" not in statement_pdf(plain)  # no logo yet
    png = _io.BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 30)).save(png, format="PNG")
    png.name = "logo.png"
    png.seek(0)
    with in_tenant(tenant):
        owner = User.objects.get(email=tenant.owner_email)
        branding_update(actor=Actor.for_user(owner), display_name="Acme Retail", accent_color="#c81e1e", logo=png)
    tenant.tenant.refresh_from_db()
    branded = statement_issue(tenant=tenant.tenant, period_start=date(2026, 7, 1))
    assert branded.tenant_name == "Acme Retail"
    assert b"/Subtype /Image" in statement_pdf(branded)
