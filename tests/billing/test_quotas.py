"""Acceptance 1 of issue 11: every plan limit × every plan, at the limit and
one past it, through the real entry points; and parallel requests against a
limit of N: exactly N succeed (see test_quota_concurrency.py)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from unittest import mock

import pytest

from billing.plans import FEATURES, PLANS
from billing.selectors import LIMITS
from tests.conftest import api_client, in_tenant, provision

PLAN_NAMES = list(PLANS)
# limits enforced elsewhere: simulations per day in tests/forecasting/api/test_simulations.py,
# API requests per minute in test_rate_limits.py
DEFINED_ONLY: set[str] = set()


@pytest.fixture(scope="module")
def plan_tenants(django_db_setup, django_db_blocker):
    """One tenant per plan, with 80 weeks of sales of one series (enough
    history for a 52-week training)."""
    from forecasting.models import SalesRecord

    with django_db_blocker.unblock():
        out = {}
        for plan in PLAN_NAMES:
            t = provision(f"q{plan[:3]}", plan=plan)
            with in_tenant(t):
                start = date(2010, 2, 5)
                SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=start + timedelta(weeks=w),
                                                             sales=100.0 + w) for w in range(80)])
            out[plan] = t
    return out


def test_every_limit_is_in_every_plan_and_grows_with_the_plan():
    for name, spec in LIMITS.items():
        values = [getattr(PLANS[p], spec.attr) for p in PLAN_NAMES]
        assert all(isinstance(v, int) and v > 0 for v in values), name
        assert values == sorted(values), f"{name} shrinks on a bigger plan: {values}"
    for plan in PLANS.values():
        assert plan.features <= set(FEATURES)


def assert_quota_error(resp, limit: str, plan: str, status: int = 402):
    assert resp.status_code == status, resp.content
    err = resp.json()["error"]
    assert err["code"] == "quota_exceeded", err
    d = err["details"]
    assert d["limit"] == limit and d["plan"] == plan and d["allowed"] == getattr(PLANS[plan], LIMITS[limit].attr)
    bigger = PLAN_NAMES[PLAN_NAMES.index(plan) + 1:]
    lifts = next((p for p in bigger if getattr(PLANS[p], LIMITS[limit].attr) >= (d["usage"] or 0) + d["requested"]),
                 None)
    assert d["upgrade_to"] == lifts
    assert plan.title() in err["message"]
    return d


def _fill(t, limit: str, upto: int) -> None:
    """Bring a counted limit's usage to ``upto`` with plain rows (fast)."""
    from accounts.models import ApiKey, User, hash_key
    from forecasting.models import Upload
    from jobs.models import Job

    with in_tenant(t):
        from billing.selectors import usage

        missing = upto - usage(limit)
        assert missing >= 0, (limit, upto)
        tag = uuid.uuid4().hex[:6]
        if limit == "members":
            User.objects.bulk_create([User(username=f"f{tag}{i}@x.test", email=f"f{tag}{i}@x.test", role="viewer",
                                           password="!") for i in range(missing)])
        elif limit == "api_keys":
            owner = User.objects.filter(role="owner").first()
            ApiKey.objects.bulk_create([ApiKey(name=f"fill {i}", prefix=f"{tag}{i}"[:16], digest=hash_key(f"{tag}-{i}"),
                                               role="viewer", created_by=owner) for i in range(missing)])
        elif limit == "trainings_per_day":
            Job.objects.bulk_create([Job(kind=Job.Kind.TRAIN, status="succeeded") for _ in range(missing)])
        elif limit == "storage_bytes":
            Upload.objects.create(kind="sales", original_filename="old.csv", size=missing, sha256="0" * 64,
                                  file_path="", status="succeeded")
        else:
            raise AssertionError(limit)
        assert usage(limit) == upto


def _act(t, limit: str):
    """The real action that consumes one unit of a counted limit, via the API."""
    client = api_client(t, key=t.admin_key)
    if limit == "members":
        return client.post("/api/v1/members/", {"email": f"m-{uuid.uuid4().hex[:8]}@x.test", "role": "viewer"},
                           format="json")
    if limit == "api_keys":
        return client.post("/api/v1/api-keys/", {"name": f"k-{uuid.uuid4().hex[:6]}", "role": "viewer"},
                           format="json")
    if limit == "trainings_per_day":
        with mock.patch("saas.celery.app.send_task"):
            return client.post("/api/v1/models/train/", {"horizon": 1, "backtest_windows": 1}, format="json")
    raise AssertionError(limit)


@pytest.mark.parametrize("plan", PLAN_NAMES)
@pytest.mark.parametrize("limit", ["members", "api_keys", "trainings_per_day"])
def test_counted_limit_at_and_past_the_limit(plan_tenants, plan, limit):
    t = plan_tenants[plan]
    allowed = getattr(PLANS[plan], LIMITS[limit].attr)
    _fill(t, limit, allowed - 1)
    ok = _act(t, limit)
    assert ok.status_code in (201, 202), ok.content  # the last unit: at the limit
    d = assert_quota_error(_act(t, limit), limit, plan)  # one past it
    assert d["usage"] == allowed and d["requested"] == 1


class _Declared:
    """An upload whose declared size is ``size`` (the service refuses by the
    declared size before reading; the content itself is small)."""

    def __init__(self, size: int, content: bytes = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n"):
        self.size, self.content = size, content

    def chunks(self):
        yield self.content


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_upload_bytes_at_and_past_the_limit(plan_tenants, plan):
    from accounts.audit import Actor
    from forecasting.services.uploads import upload_create
    from saas.errors import QuotaExceeded

    t = plan_tenants[plan]
    allowed = PLANS[plan].max_upload_bytes
    with in_tenant(t), mock.patch("saas.celery.app.send_task"):  # loaded here, not by a worker
        assert upload_create(actor=Actor.system(), file=_Declared(allowed), filename="a.csv").pk
        with pytest.raises(QuotaExceeded) as exc:
            upload_create(actor=Actor.system(), file=_Declared(allowed + 1), filename="b.csv")
    assert exc.value.status == 413 and exc.value.details["limit"] == "upload_bytes"
    assert exc.value.details["allowed"] == allowed and exc.value.details["requested"] == allowed + 1


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_storage_bytes_at_and_past_the_limit(plan_tenants, plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = plan_tenants[plan]
    allowed = PLANS[plan].max_storage_bytes
    body = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1,FALSE\n"
    _fill(t, "storage_bytes", allowed - len(body))
    client = api_client(t, key=t.admin_key)
    try:
        with mock.patch("saas.celery.app.send_task"):
            ok = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("s.csv", body)}, format="multipart")
            assert ok.status_code == 202, ok.content
            over = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("t.csv", b"x")}, format="multipart")
        d = assert_quota_error(over, "storage_bytes", plan)
        assert d["usage"] == allowed and d["requested"] == 1
    finally:  # give the other tests of this tenant their storage back
        from forecasting.models import Upload

        with in_tenant(t):
            Upload.objects.filter(original_filename="old.csv").delete()


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_forecast_horizon_at_and_past_the_limit(plan_tenants, plan):
    t = plan_tenants[plan]
    allowed = PLANS[plan].max_forecast_horizon
    client = api_client(t, key=t.admin_key)
    # on demand: at the limit the request reaches the model lookup (none trained here)
    at = client.post("/api/v1/forecasts/", {"store": 1, "dept": 1, "horizon": allowed}, format="json")
    assert at.status_code == 404 and at.json()["error"]["code"] == "no_active_model"
    past = client.post("/api/v1/forecasts/", {"store": 1, "dept": 1, "horizon": allowed + 1}, format="json")
    # training: at the limit the job is queued (or refused for another limit, never the horizon)
    with mock.patch("saas.celery.app.send_task"):
        at_t = client.post("/api/v1/models/train/", {"horizon": allowed, "backtest_windows": 1}, format="json")
        past_t = client.post("/api/v1/models/train/", {"horizon": allowed + 1, "backtest_windows": 1}, format="json")
    assert at_t.status_code == 202 or at_t.json()["error"]["details"].get("limit") != "forecast_horizon", at_t.content
    for resp in (past, past_t):
        if allowed + 1 > 52:  # past what the product forecasts at all: a validation error
            assert resp.status_code == 400 and "horizon" in resp.json()["error"]["message"], resp.content
        else:
            d = assert_quota_error(resp, "forecast_horizon", plan)
            assert d["requested"] == allowed + 1


def _sales_csv(rows: int, store: int = 7) -> bytes:
    start = date(2011, 1, 7)
    lines = [f"{store},{d},{start:%Y-%m-%d},10.5,FALSE" for d in range(1, rows + 1)]
    return ("Store,Dept,Date,Weekly_Sales,IsHoliday\n" + "\n".join(lines) + "\n").encode()


def _ingest(t, content: bytes):
    import io

    from accounts.audit import Actor
    from forecasting.services.uploads import upload_create, upload_process

    with in_tenant(t), mock.patch("saas.celery.app.send_task"):  # loaded here, not by a worker
        up = upload_create(actor=Actor.system(), file=io.BytesIO(content), filename="rows.csv", kind="sales")
        return upload_process(job_id=up.job_id)


def _small_plan(monkeypatch, plan: str, **limits):
    from dataclasses import replace

    from billing import plans

    monkeypatch.setitem(plans.PLANS, plan, replace(plans.PLANS[plan], **limits))


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_upload_rows_at_and_past_the_limit(plan_tenants, plan, monkeypatch):
    """The plan's rows-per-upload reach the parser (checked with the plan's
    own number, then at a boundary small enough to upload for real)."""
    from forecasting.services import uploads

    seen = []
    real = uploads.parse_upload  # the parser as the upload service calls it
    monkeypatch.setattr(uploads, "parse_upload", lambda *a, **k: seen.append(k["limits"]) or real(*a, **k))
    t = plan_tenants[plan]
    assert _ingest(t, _sales_csv(3)).status == "succeeded"
    assert seen[-1].max_rows == PLANS[plan].max_upload_rows
    _small_plan(monkeypatch, plan, max_upload_rows=4)
    assert _ingest(t, _sales_csv(4, store=8)).status == "succeeded"
    failed = _ingest(t, _sales_csv(5, store=9))
    assert failed.status == "failed" and "too many rows" in failed.errors[0]["reason"]


@pytest.mark.parametrize("plan", PLAN_NAMES)
def test_stored_rows_at_and_past_the_limit(plan_tenants, plan, monkeypatch):
    """Stored rows are counted after the load, in its transaction: one row
    past the limit and the whole upload is refused, nothing written."""
    from billing.selectors import usage
    from forecasting.models import SalesRecord

    t = plan_tenants[plan]
    with in_tenant(t):
        stored = usage("stored_rows")
    assert stored < PLANS[plan].max_stored_rows
    _small_plan(monkeypatch, plan, max_stored_rows=stored + 3)
    assert _ingest(t, _sales_csv(3, store=20)).status == "succeeded"  # exactly at the limit
    failed = _ingest(t, _sales_csv(1, store=21))
    assert failed.status == "failed" and "stored rows of sales and covariates" in failed.errors[0]["reason"]
    assert plan.title() in failed.errors[0]["reason"]
    with in_tenant(t):
        assert usage("stored_rows") == stored + 3 and not SalesRecord.objects.filter(store=21).exists()


def test_feature_missing_is_403(plan_tenants):
    from billing.services import feature_require
    from saas.errors import PlanFeatureMissing

    with in_tenant(plan_tenants["free"]), pytest.raises(PlanFeatureMissing) as exc:
        feature_require(feature="store_scopes")
    assert exc.value.status == 403 and exc.value.code == "plan_feature_missing"
    assert exc.value.details == {"feature": "store_scopes", "plan": "free", "upgrade_to": "pro"}
    with in_tenant(plan_tenants["enterprise"]):
        feature_require(feature="custom_domain")


def test_limits_outside_this_branch_are_defined_for_every_plan():
    for name in DEFINED_ONLY:
        assert LIMITS[name].usage is None
        assert all(getattr(PLANS[p], LIMITS[name].attr) > 0 for p in PLAN_NAMES)


def test_billing_page_lists_every_limit_with_usage(plan_tenants, tenant):
    from accounts.models import User
    from tests.conftest import add_member, web_client

    t = plan_tenants["free"]
    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
        members = User.objects.filter(is_active=True).count()
    page = web_client(t, user=owner).get("/billing/").content.decode()
    for name in LIMITS:
        assert f'data-limit="{name}"' in page, name
    assert "Active members" in page and f"<td>{members:,}</td>" in page
    viewer = add_member(tenant, "viewer")
    assert web_client(tenant, user=viewer).get("/billing/").status_code == 403
