"""An owner exports all of the workspace's data as one archive built by a
job on a real worker; others cannot start or download it."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support.data import upload, wait_job

pytestmark = pytest.mark.worker

SALES = (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,24924.50,FALSE\n"
         b"1,2,2010-02-05,100.25,FALSE\n")


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def test_owner_exports_everything_as_one_archive(db_access, celery_worker_proc):
    from forecasting.models import SalesRecord

    t, other = provision("exp"), provision("exo")
    assert upload(t, b"Store,Type,Size\n1,A,151315\n", "stores.csv")["status"] == "succeeded"
    assert upload(t, SALES, "sales.csv")["status"] == "succeeded"
    owner = api_client(t, user=_owner(t))
    # admins and keys cannot export
    assert api_client(t, user=add_member(t, "admin")).post("/api/v1/workspace/exports/").status_code == 403
    assert api_client(t, key=t.admin_key).post("/api/v1/workspace/exports/").status_code == 403

    resp = owner.post("/api/v1/workspace/exports/")
    assert resp.status_code == 202, resp.content
    job = wait_job(t, resp.json()["id"])
    assert job["status"] == "succeeded", job
    listed = owner.get("/api/v1/workspace/exports/").json()
    assert [j["id"] for j in listed] == [job["id"]]

    download = owner.get(f"/api/v1/workspace/exports/{job['id']}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = set(archive.namelist())
    assert {"manifest.json", "sales.csv", "covariates.csv", "stores.csv", "uploads.csv", "models.json",
            "forecast_runs.csv", "forecast_points.csv", "members.csv", "api_keys.csv", "audit_log.csv"} <= names
    sales = list(csv.DictReader(io.TextIOWrapper(archive.open("sales.csv"), encoding="utf-8")))
    with in_tenant(t):
        assert len(sales) == SalesRecord.objects.count() == 2
    audit = list(csv.DictReader(io.TextIOWrapper(archive.open("audit_log.csv"), encoding="utf-8")))
    assert any(r["action"] == "tenant.export_requested" for r in audit)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["workspace"] == t.slug and manifest["files"]["sales.csv"] == 2
    members = archive.read("members.csv").decode()
    assert t.owner_email in members and "argon2" not in members  # no password hashes
    # another tenant's owner cannot reach it, on either host
    other_owner = api_client(other, user=_owner(other))
    assert other_owner.get(f"/api/v1/workspace/exports/{job['id']}/download/").status_code == 404
    assert other_owner.get(f"/api/v1/workspace/exports/{job['id']}/download/", HTTP_HOST=t.host).status_code in (401, 403)
    # the web page lists it with a download link
    page = web_client(t, user=_owner(t)).get("/settings/workspace/")
    assert f"/settings/workspace/exports/{job['id']}/download/".encode() in page.content
    with in_tenant(t):
        from accounts.models import AuditEvent

        assert AuditEvent.objects.filter(action="tenant.export_downloaded").count() == 1


def test_unfinished_or_unknown_export_is_404(db_access):
    t = provision("exn")
    owner = api_client(t, user=_owner(t))
    assert owner.get("/api/v1/workspace/exports/999/download/").status_code == 404
    assert web_client(t, user=_owner(t)).get("/settings/workspace/exports/999/download/").status_code == 404
