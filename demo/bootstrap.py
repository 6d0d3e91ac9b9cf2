"""Demo workspace content for `make run`: the real Walmart files when they are
available (WALMART_DATA_DIR or ../shared/data/walmart), otherwise files from
the deterministic generator. They go through the same upload path as a
user's (upload_create -> ingest job), then the first training starts in the
background (task ``demo.tasks.train_when_ready``) once the data is loaded and
there is no model.

SAAS_DEMO_DATA=auto|walmart|generated|none (default auto)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django_tenants.utils import tenant_context

from accounts.audit import Actor
from accounts.scope import StoreScope
from forecasting.demo_data import generate
from forecasting.models import ModelVersion, SalesRecord, Upload
from forecasting.selectors.dataset import upload_list
from forecasting.selectors.jobs import train_jobs
from forecasting.services.training import model_train_start
from forecasting.services.uploads import upload_create
from jobs.models import Job
from saas.celery import app as celery_app

logger = logging.getLogger(__name__)
KIND_FILES = (("stores", "stores.csv"), ("features", "features.csv"), ("sales", "train.csv"))


def demo_data_dir() -> Path | None:
    mode = os.environ.get("SAAS_DEMO_DATA", "auto")
    if mode == "none":
        return None
    walmart = Path(os.environ.get("WALMART_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data" / "walmart"))
    if mode in ("auto", "walmart") and all((walmart / f).exists() for _, f in KIND_FILES):
        return walmart
    if mode == "walmart":
        raise RuntimeError(f"SAAS_DEMO_DATA=walmart but the files are not in {walmart}")
    out = Path(settings.BASE_DIR) / "var" / "demo-data"
    if not all((out / f).exists() for _, f in KIND_FILES):
        generate(out, seed=42)
    return out


def demo_bootstrap(tenant) -> str:
    folder = demo_data_dir()
    if folder is None:
        return "demo data disabled"
    with tenant_context(tenant):
        if not Upload.objects.exists():
            for kind, name in KIND_FILES:
                with open(folder / name, "rb") as fh:
                    upload_create(actor=Actor.system(), file=fh, filename=name, kind=kind)
            logger.info("demo: queued %s files from %s", len(KIND_FILES), folder)
        celery_app.send_task("demo.tasks.train_when_ready", countdown=2)  # in the tenant's context
    return f"demo data from {folder}"


class DemoNotReady(Exception):
    """Uploads are still being loaded."""


def demo_train_if_ready() -> str:
    """In the current tenant: start the first training when the uploads are
    loaded, there is data and no model or training yet."""
    if upload_list(scope=StoreScope.all()).filter(status__in=[Upload.Status.QUEUED, Upload.Status.RUNNING]).exists():
        raise DemoNotReady
    if ModelVersion.objects.exists() or train_jobs().exclude(status=Job.Status.FAILED).exists():
        return "model exists or training queued"
    if not SalesRecord.objects.exists():
        return "no data"
    job = model_train_start(actor=Actor.system(), horizon=13, backtest_windows=4)
    return f"training job {job.pk}"
