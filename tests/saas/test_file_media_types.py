"""A file endpoint answers its own media type when asked for it (issue 17's contract defect: the weekly
PDF with ``Accept: application/pdf`` answered 406, ``*/*`` worked). Every GET operation of the OpenAPI
schema that answers a file is listed in FILES with a way to reach a real one; a new one that is not
listed fails. Each is asked with its own type and with ``*/*`` (which gets JSON where the operation
answers both, as sales and inventory do, and the file elsewhere)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import api_client, in_tenant, provision
from tests.support.versions import make_version


def _upload_with_errors(t) -> int:
    from forecasting.models import Upload

    with in_tenant(t):
        return Upload.objects.create(original_filename="bad.csv", size=10, sha256="0" * 64, file_path="/x",
                                     status="failed", errors=[{"line": 2, "column": "Date", "value": "x",
                                                               "reason": "not a date"}], error_count=1).pk


def _statement(t) -> int:
    from billing.statements import statement_issue

    return statement_issue(tenant=t.tenant, period_start=date(2026, 5, 1)).pk


def _finished_export(t) -> int:
    from jobs.models import Job
    from saas.storage import tenant_dir

    with in_tenant(t):
        path = tenant_dir("exports") / "workspace-export-test.zip"
        path.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty ZIP archive
        job = Job.objects.create(kind=Job.Kind.EXPORT, status=Job.Status.SUCCEEDED, result={"file": path.name})
        return job.pk


def _approved_plan(t) -> dict:
    from tests.support.targets import make_plan

    make_plan(t, status="approved")
    return {}


# path of the schema -> (a function of the workspace giving the path's parameters, what the file starts with)
FILES = {
    "/api/v1/forecasts/export.csv": (lambda t: {}, b"Store,Dept,Date"),
    "/api/v1/uploads/{id}/errors.csv": (lambda t: {"id": _upload_with_errors(t)}, b"line,column,value,reason"),
    "/api/v1/audit-events/export.csv": (lambda t: {}, b""),
    "/api/v1/reports/weekly.pdf": (lambda t: {}, b"%PDF"),
    "/api/v1/statements/{id}.pdf": (lambda t: {"id": _statement(t)}, b"%PDF"),
    "/api/v1/statements/{id}.csv": (lambda t: {"id": _statement(t)}, b""),
    "/api/v1/workspace/exports/{job_id}/download/": (lambda t: {"job_id": _finished_export(t)}, b"PK"),
    "/api/v1/sales/": (lambda t: {}, b"Store,Dept,Date,Weekly_Sales,IsHoliday"),
    "/api/v1/insights/inventory/": (lambda t: {}, b"store,dept,week,demand"),
    "/api/v1/plans/current/export.csv": (lambda t: _approved_plan(t), b"Store,Dept,Date,Forecast,Statistical"),
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("media")
        resp = api_client(t, key=t.admin_key).get("/api/v1/schema/?format=json")
        assert resp.status_code == 200
        return json.loads(resp.content)


def _file_operations(schema) -> dict[str, tuple[str, bool]]:
    """{path: (the file's media type, whether JSON is also answered)} of the GET operations that answer a file."""
    out = {}
    for path, ops in schema["paths"].items():
        content = ops.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        files = [m for m in content if "json" not in m]
        if files:
            out[path] = (files[0], any("json" in m for m in content))
    return out


def test_every_file_operation_is_listed(schema):
    assert set(_file_operations(schema)) == set(FILES)


@pytest.mark.parametrize("path", sorted(FILES))
def test_a_file_endpoint_answers_its_own_media_type(db_access, schema, path):
    media, json_too = _file_operations(schema)[path]
    t = provision("media", plan="enterprise")
    make_version(t, status="active", forecast=100.0)
    params, starts = FILES[path]
    url = path.format(**params(t))
    client = api_client(t, user=_owner(t))
    for accept in (media, f"{media}, application/json;q=0.5", "*/*"):
        resp = client.get(url, HTTP_ACCEPT=accept)
        assert resp.status_code == 200, (accept, resp.status_code, resp.content[:300])
        if accept == "*/*" and json_too:
            assert resp["Content-Type"] == "application/json"
            continue
        assert resp["Content-Type"].startswith(media), (accept, resp["Content-Type"])
        body = b"".join(resp.streaming_content) if resp.streaming else resp.content
        assert body.startswith(starts), body[:100]
    # an error is JSON whatever was asked for
    missing = api_client(t).get(url, HTTP_ACCEPT=media)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "not_authenticated"


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


@pytest.mark.parametrize("accept,answer", [
    ("text/csv", "text/csv"),
    ("text/csv, application/json;q=0.5", "text/csv"),
    ("application/json, text/csv;q=0.5", "application/json"),
    ("text/csv;q=0.2, application/json;q=0.9", "application/json"),
    ("application/pdf, */*;q=0.1", "application/json"),  # no PDF here: the wildcard, and JSON is first
    ("application/pdf", 406),
    ("text/csv;q=0", 406),
])
def test_negotiation_honours_the_clients_q_values(tenant, accept, answer):
    resp = api_client(tenant, key=tenant.admin_key).get("/api/v1/sales/", HTTP_ACCEPT=accept)
    if answer == 406:
        assert resp.status_code == 406 and resp["Content-Type"] == "application/json"
        assert resp.json()["error"]["code"] == "not_acceptable"
    else:
        assert resp.status_code == 200 and resp["Content-Type"].startswith(answer), resp["Content-Type"]
