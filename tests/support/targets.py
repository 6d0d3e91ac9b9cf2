"""Builds, for an endpoint, a concrete path with a fresh target object and a
valid request body. Later features register their own builders."""
from __future__ import annotations

import itertools
import uuid

from tests.conftest import add_key, add_member

BUILDERS = {}


def builder(*endpoints):
    def deco(fn):
        for e in endpoints:
            BUILDERS[e] = fn
        return fn

    return deco


@builder("GET /api/v1/members/{id}/", "DELETE /api/v1/members/{id}/", "GET /api/v1/members/{id}/stores/")
def _member(t, method, path):
    user = add_member(t, "viewer")
    return {"path": path.replace("{id}", str(user.pk))}


@builder("PATCH /api/v1/members/{id}/")
def _member_patch(t, method, path):
    user = add_member(t, "viewer")
    return {"path": path.replace("{id}", str(user.pk)), "body": {"role": "analyst"}}


@builder("POST /api/v1/members/{id}/resend-invite/")
def _member_resend(t, method, path):
    from accounts import services
    from accounts.audit import Actor
    from accounts.models import User
    from tests.conftest import in_tenant

    with in_tenant(t):
        owner = User.objects.filter(role="owner").order_by("pk").first()
        user = services.member_invite(actor=Actor.for_user(owner), email=f"inv-{uuid.uuid4().hex[:8]}@{t.slug}.test",
                                      role="viewer")
    return {"path": path.replace("{id}", str(user.pk))}


@builder("PUT /api/v1/members/{id}/stores/")
def _member_stores_put(t, method, path):
    user = add_member(t, "analyst")
    return {"path": path.replace("{id}", str(user.pk)), "body": {"stores": []}}


@builder("PUT /api/v1/api-keys/{id}/stores/")
def _key_stores_put(t, method, path):
    target = _key(t, method, path)
    return {**target, "body": {"stores": []}}


@builder("POST /api/v1/members/")
def _member_post(t, method, path):
    return {"path": path, "body": {"email": f"new-{uuid.uuid4().hex[:8]}@{t.slug}.test", "role": "viewer"}}


@builder("GET /api/v1/api-keys/{id}/", "DELETE /api/v1/api-keys/{id}/", "GET /api/v1/api-keys/{id}/stores/")
def _key(t, method, path):
    from accounts.models import ApiKey
    from tests.conftest import in_tenant

    add_key(t, "viewer")
    with in_tenant(t):
        key = ApiKey.objects.filter(revoked_at__isnull=True, name="viewer key").order_by("-id").first()
    return {"path": path.replace("{id}", str(key.pk))}


@builder("POST /api/v1/api-keys/")
def _key_post(t, method, path):
    return {"path": path, "body": {"name": f"k-{uuid.uuid4().hex[:6]}", "role": "viewer"}}


SMALL_SALES = (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,100.5,FALSE\n"
               b"1,1,2010-02-12,-3.0,TRUE\n")


def small_upload(t, content: bytes = SMALL_SALES, status: str = "failed"):
    """An Upload row (and its Job) created directly, with an error report."""
    from forecasting.models import Upload
    from jobs.models import Job
    from tests.conftest import in_tenant

    with in_tenant(t):
        job = Job.objects.create(kind="ingest", status=status)
        return Upload.objects.create(kind="sales", original_filename="x.csv", size=len(content), sha256="0" * 64,
                                     file_path="", status=status, job=job, error_count=1,
                                     errors=[{"line": 2, "column": "Date", "value": "2012-02-30",
                                              "reason": "not a valid date"}])


@builder("GET /api/v1/uploads/{id}/", "GET /api/v1/uploads/{id}/errors.csv")
def _upload(t, method, path):
    return {"path": path.replace("{id}", str(small_upload(t).pk))}


@builder("GET /api/v1/jobs/{id}/")
def _job(t, method, path):
    return {"path": path.replace("{id}", str(small_upload(t).job_id))}


@builder("POST /api/v1/uploads/")
def _upload_post(t, method, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"path": path, "format": "multipart",
            "body": {"file": SimpleUploadedFile("sales.csv", SMALL_SALES, content_type="text/csv")}}


def make_model_version(t):
    """A registered ModelVersion row (no artifact needed for read endpoints)."""
    from forecasting.models import ModelVersion
    from tests.conftest import in_tenant

    with in_tenant(t):
        n = (ModelVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        return ModelVersion.objects.create(
            number=n, status="candidate", chosen="ensemble", horizon=13, backtest_windows=4,
            metrics={"ensemble": {"wmae": 1.0}, "seasonal_naive": {"wmae": 2.0}}, dataset_version=0,
            artifact_path="/nonexistent", artifact_sha256="0" * 64, training_seconds=1.0)


@builder("GET /api/v1/models/{id}/")
def _model(t, method, path):
    return {"path": path.replace("{id}", str(make_model_version(t).pk))}


@builder("POST /api/v1/models/{id}/promote/")
def _model_promote(t, method, path):
    from tests.support.versions import make_version

    version = make_version(t, status="rejected")  # with its artifact file: promotable
    return {"path": path.replace("{id}", str(version.pk)), "body": {"reason": "manual override"}}


@builder("POST /api/v1/models/{id}/rollback/")
def _model_rollback(t, method, path):
    from tests.support.versions import make_version

    earlier = make_version(t, status="retired")
    make_version(t, status="active")  # a newer champion to roll back from
    return {"path": path.replace("{id}", str(earlier.pk)), "body": {"reason": "bad forecasts"}}


@builder("POST /api/v1/models/train/")
def _train(t, method, path):
    return {"path": path, "body": {"horizon": 4, "backtest_windows": 1}}


@builder("GET /api/v1/forecasts/")
def _forecast_get(t, method, path):
    return {"path": path + "?store=1&dept=1"}


@builder("POST /api/v1/forecasts/")
def _forecast_post(t, method, path):
    return {"path": path, "body": {"store": 1, "dept": 1, "horizon": 4}}


@builder("GET /api/v1/forecasts/aggregate/")
def _forecast_aggregate(t, method, path):
    return {"path": path + "?level=dept&dept=1"}


@builder("GET /api/v1/series/")
def _series_search(t, method, path):
    return {"path": path + "?q=1"}


@builder("POST /api/v1/workspace/deletion/")
def _workspace_delete(t, method, path):
    return {"path": path, "body": {"confirm": "not-the-slug"}}


@builder("PATCH /api/v1/workspace/branding/")
def _branding_patch(t, method, path):
    return {"path": path, "body": {"accent_color": "#0a7d4f"}}


@builder("GET /api/v1/workspace/exports/{job_id}/download/")
def _export_download(t, method, path):
    return {"path": path.replace("{job_id}", "999")}


_statement_months = itertools.count()


def make_statement(t):
    """An issued statement of ``t`` for a month of its own (one per tenant and month)."""
    from datetime import date

    from billing.statements import statement_issue

    n = next(_statement_months)
    return statement_issue(tenant=t.tenant, period_start=date(1990 + n // 12, n % 12 + 1, 1))


@builder("GET /api/v1/statements/{id}/", "GET /api/v1/statements/{id}.pdf", "GET /api/v1/statements/{id}.csv")
def _statement(t, method, path):
    return {"path": path.replace("{id}", str(make_statement(t).pk))}


@builder("PATCH /api/v1/plan/")
def _plan_patch(t, method, path):
    return {"path": path, "body": {"plan": t.tenant.plan}}


@builder("GET /api/v1/models/{id}/evaluations/")
def _model_evaluations(t, method, path):
    return {"path": path.replace("{id}", str(make_model_version(t).pk))}


_cooldowns = itertools.count(25)


@builder("PUT /api/v1/retraining-policy/")
def _retraining_policy_put(t, method, path):
    return {"path": path, "body": {"cooldown_hours": next(_cooldowns)}}  # a real change every time


@builder("POST /api/v1/simulations/")
def _simulation(t, method, path):
    return {"path": path, "body": {"store": 1, "depts": None, "weeks": ["2012-11-02"], "markdowns": {"markdown1": 500}}}


@builder("GET /api/v1/stores/{n}/", "GET /api/v1/departments/{n}/")
def _store_or_dept(t, method, path):
    """A week of sales of store 7, department 7."""
    from datetime import date

    from forecasting.models import SalesRecord
    from tests.conftest import in_tenant

    with in_tenant(t):
        SalesRecord.objects.get_or_create(store=7, dept=7, date=date(2012, 1, 6), defaults={"sales": 10.0})
    return {"path": path.replace("{n}", "7")}


@builder("GET /api/v1/locations/{code}/", "GET /api/v1/items/{code}/")
def _location_or_item(t, method, path):
    """Location and item "7" (Walmart's layout: id = code = 7) with a week of sales."""
    from datetime import date

    from forecasting.models import Item, Location, SalesRecord
    from tests.conftest import in_tenant

    with in_tenant(t):
        Location.objects.get_or_create(id=7, defaults={"code": "7"})
        Item.objects.get_or_create(id=7, defaults={"code": "7"})
        SalesRecord.objects.get_or_create(store=7, dept=7, date=date(2012, 1, 6), defaults={"sales": 10.0})
    return {"path": path.replace("{code}", "7")}


_words = itertools.count(1)


@builder("PATCH /api/v1/workspace/data-settings/")
def _data_settings(t, method, path):
    return {"path": path, "body": {"location_word": f"Shop {next(_words)}"}}  # a real change every time


@builder("POST /api/v1/uploads/{id}/mapping/")
def _upload_waiting_for_its_mapping(t, method, path):
    """A stored file whose upload waits at needs_mapping, and the mapping that resumes it."""
    from forecasting.models import Upload
    from saas.storage import tenant_path
    from tests.conftest import in_tenant

    content = b"Filiale;Warengruppe;Woche;Umsatz\nS-1;A;2024-01-05;1,5\nS-1;A;2024-01-12;2,5\n"
    with in_tenant(t):
        dest = tenant_path("uploads", f"{uuid.uuid4().hex}-waiting.csv")
        dest.write_bytes(content)
        upload = Upload.objects.create(original_filename="waiting.csv", size=len(content), sha256="0" * 64,
                                       file_path=str(dest), status="needs_mapping",
                                       preview=[["Filiale", "Warengruppe", "Woche", "Umsatz"]])
    body = {"columns": {"Filiale": "location", "Warengruppe": "item", "Woche": "date", "Umsatz": "measure"},
            "decimal": ",", "delimiter": ";"}
    return {"path": path.replace("{id}", str(upload.pk)), "body": body}


def saved_layout(t):
    from forecasting.models import Layout
    from tests.conftest import in_tenant

    with in_tenant(t):
        return Layout.objects.create(signature=uuid.uuid4().hex, header=["Filiale", "Woche", "Umsatz"],
                                     mapping={"columns": {"Filiale": "location", "Woche": "date",
                                                          "Umsatz": "measure"}})


@builder("PUT /api/v1/workspace/layouts/")
def _layouts_put(t, method, path):
    layout = saved_layout(t)
    return {"path": path, "body": {"results": [{"id": layout.pk, "name": f"Tills {layout.pk}"}]}}


@builder("POST /api/v1/inventory/on-hand/")
def _on_hand_post(t, method, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"path": path, "format": "multipart",
            "body": {"file": SimpleUploadedFile("stock.csv", b"Store,Dept,OnHand\n1,1,25\n", content_type="text/csv")}}


def build(t, method, path):
    endpoint = f"{method} {path}"
    if endpoint in BUILDERS:
        return BUILDERS[endpoint](t, method, path)
    assert "{" not in path, f"no target builder for {endpoint}"
    return {"path": path}


def make_override(t, *, store: int = 1, dept: int = 1):
    """A series override row (no served run needed: reads and withdrawals do not look at the forecast)."""
    from forecasting.models import Override
    from tests.conftest import in_tenant

    with in_tenant(t):
        return Override.objects.create(level="series", key={"store": store, "dept": dept}, periods=["2012-11-02"],
                                       value=100.0, reason="promotion", stores=[store])


@builder("POST /api/v1/overrides/")
def _override_post(t, method, path):
    return {"path": path, "body": {"level": "series", "key": {"store": 1, "dept": 1}, "periods": ["2012-11-02"],
                                   "value": 100.0, "reason": "promotion", "note": "flyer"}}


@builder("GET /api/v1/overrides/{id}/", "DELETE /api/v1/overrides/{id}/")
def _override(t, method, path):
    return {"path": path.replace("{id}", str(make_override(t).pk))}


def make_plan(t, *, status: str = "submitted"):
    """A plan row with one point of store 1, department 1 (no served run needed to approve or read it)."""
    from datetime import date

    from django.db.models import Max

    from forecasting.models import Plan, PlanPoint
    from tests.conftest import in_tenant

    with in_tenant(t):
        if status == "approved":
            Plan.objects.filter(status="approved").update(status="superseded")
        number = (Plan.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        day = date(2012, 11, 2)
        plan = Plan.objects.create(number=number, status=status, model_number=1, origin=date(2012, 10, 26),
                                   first_period=day, last_period=day, series=1, total=10.0, statistical_total=10.0,
                                   overrides=0)
        PlanPoint.objects.create(plan=plan, store=1, dept=1, date=day, forecast=10.0, statistical=10.0)
        return plan


@builder("POST /api/v1/plans/")
def _plan_post(t, method, path):
    return {"path": path, "body": {"note": "Q4"}}


@builder("POST /api/v1/plans/{id}/approve/")
def _plan_approve(t, method, path):
    return {"path": path.replace("{id}", str(make_plan(t).pk))}


def make_served_run(t):
    """An active model version with a served run forecasting store 1, department 1 for 2012-11-02 (what an
    override or a plan needs)."""
    from datetime import date

    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion
    from tests.conftest import in_tenant

    version = make_model_version(t)
    with in_tenant(t):
        ModelVersion.objects.filter(status="active").update(status="retired")
        ModelVersion.objects.filter(pk=version.pk).update(status="active")
        run = ForecastRun.objects.create(model_version_id=version.pk, origin=date(2012, 10, 26), horizon=1, series=1)
        ForecastPoint.objects.create(run=run, store=1, dept=1, date=date(2012, 11, 2), forecast=50.0, lo80=40.0,
                                     hi80=60.0, lo95=30.0, hi95=70.0)
    return run


def make_open_exception(t) -> dict:
    """A served run and an approved plan 40 below it for store 1, department 1 (a plan gap, with a materiality
    floor of 0): the body that answers that row."""
    from forecasting.models import DataSettings, Plan, PlanPoint
    from tests.conftest import in_tenant

    run = make_served_run(t)
    plan = make_plan(t, status="approved")
    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
        PlanPoint.objects.filter(plan=plan).update(forecast=10.0)
        Plan.objects.filter(pk=plan.pk).update(total=10.0)
    return {"kind": "plan_gap", "store": 1, "dept": 1, "basis": f"plan{plan.pk}:run{run.pk}", "reason": "accepted",
            "note": "agreed with the store"}


@builder("POST /api/v1/exceptions/answers/")
def _exception_answer(t, method, path):
    return {"path": path, "body": make_open_exception(t)}
