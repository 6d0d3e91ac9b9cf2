"""Lineage of a model version: uploads seen, code version, trigger, the
champion it challenged (the end-to-end training test checks them on a
really trained version)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import api_client, in_tenant
from tests.support.versions import make_version


def test_code_version_from_settings_else_git(settings):
    from saas.version import code_version

    code_version.cache_clear()
    try:
        settings.CODE_VERSION = "1.4.2+build7"
        assert code_version() == "1.4.2+build7"
        code_version.cache_clear()
        settings.CODE_VERSION = ""
        found = code_version()
        assert found == "unknown" or (found.startswith("git:") and len(found) == 16)
    finally:
        code_version.cache_clear()


def test_uploads_loaded_ids_are_the_loaded_uploads_of_the_dataset_version(tenant):
    from forecasting.models import Upload
    from forecasting.selectors.dataset import uploads_loaded_ids

    def up(status, version):
        return Upload.objects.create(kind="sales", original_filename="s.csv", size=1, sha256="0" * 64, file_path="",
                                     status=status, dataset_version=version).pk

    with in_tenant(tenant):
        first, second = up("succeeded", 1), up("succeeded", 2)
        up("failed", None), up("succeeded", 3)
        assert uploads_loaded_ids(dataset_version=2) == [first, second]


def test_training_job_records_its_trigger(tenant, monkeypatch):
    from accounts.audit import Actor
    from forecasting.models import SalesRecord
    from forecasting.services.training import model_train_start
    from jobs.models import Job
    from saas.celery import app

    monkeypatch.setattr(app, "send_task", lambda *a, **k: None)  # the job's run is tested with a real worker
    with in_tenant(tenant):
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=dt.date(2010, 2, 5) + dt.timedelta(weeks=i),
                                                     sales=100 + i) for i in range(30)])
        job = model_train_start(actor=Actor.system(), horizon=4, backtest_windows=1, trigger="new_data")
        assert Job.objects.get(pk=job.pk).params["trigger"] == "new_data"
        with pytest.raises(ValueError):
            model_train_start(actor=Actor.system(), horizon=4, backtest_windows=1, trigger="whim")
        assert model_train_start(actor=Actor.system(), horizon=4, backtest_windows=1).params["trigger"] == "manual"


def test_version_api_shows_lineage(tenant):
    from forecasting.models import ModelVersion

    v1 = make_version(tenant, status="active")
    v2 = make_version(tenant, status="rejected")
    with in_tenant(tenant):
        ModelVersion.objects.filter(pk=v2.pk).update(challenged=v1, uploads=[4, 7], code_version="git:abc",
                                                     trigger="degradation", decision={"basis": "same_backtest"})
    client = api_client(tenant, key=tenant.admin_key)
    detail = client.get(f"/api/v1/models/{v2.pk}/").json()
    assert detail["challenged"] == 1 and detail["uploads"] == [4, 7] and detail["code_version"] == "git:abc"
    assert detail["trigger"] == "degradation" and detail["decision"] == {"basis": "same_backtest"}
    listed = {r["number"]: r for r in client.get("/api/v1/models/").json()["results"]}
    assert listed[2]["challenged"] == 1 and listed[1]["challenged"] is None and listed[1]["trigger"] == "manual"
