"""Demo workspace content for `make run`, through the same upload path as a user's (upload_create -> ingest
job); the first training starts in the background (task ``demo.tasks.train_when_ready``) once the data is
loaded and there is no model.

``SAAS_DEMO_DATA``:

* ``generated``: a generated retailer with daily till data (demo/retailer.py: stores x products with
  categories, prices, promotions, closures, an intermittent tail and new products), in its own words
  (Stores, Products, Units);
* ``walmart``: the real Walmart files (WALMART_DATA_DIR or ../shared/data/walmart), weekly;
* ``favorita``: the real Favorita files (FAVORITA_DATA_DIR or ../shared/data/favorita): store traffic by
  day, Ecuador's holidays;
* ``auto`` (the default): Walmart's files when they are there, else the generated retailer;
* ``none``: an empty workspace."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django_tenants.utils import tenant_context

from accounts.audit import Actor
from accounts.scope import StoreScope
from demo import retailer
from forecasting.demo_data import generate as generate_walmart
from forecasting.models import ModelVersion, SalesRecord, Upload
from forecasting.selectors.catalog import workspace_words
from forecasting.selectors.dataset import upload_list
from forecasting.selectors.jobs import train_jobs
from forecasting.services.catalog import data_settings_update
from forecasting.services.training import model_train_start
from forecasting.services.uploads import upload_create
from jobs.models import Job
from saas.celery import app as celery_app

logger = logging.getLogger(__name__)
KIND_FILES = (("stores", "stores.csv"), ("features", "features.csv"), ("sales", "train.csv"))


@dataclass
class DemoData:
    folder: Path
    files: list  # (file name, kind or None, mapping or None), in upload order
    settings: dict = field(default_factory=dict)  # data settings set before the first upload


def _shared(name: str, env: str) -> Path:
    return Path(os.environ.get(env, settings.BASE_DIR.parent / "shared" / "data" / name))


def _walmart(folder: Path) -> DemoData:
    return DemoData(folder, [(f, kind, None) for kind, f in KIND_FILES])


def _favorita(folder: Path) -> DemoData:
    return DemoData(folder, [("stores.csv", None, None), ("transactions.csv", None, None),
                             ("holidays_events.csv", None, None)], {"country": "EC"})


def generated_demo(folder: Path) -> DemoData:
    if not all((folder / f"{name}.csv").exists() for name in retailer.MAPPINGS):
        retailer.generate(folder)
    words = {"location_word": "Store", "location_word_plural": "Stores", "item_word": "Product",
             "item_word_plural": "Products", "measure_word": "Units", "measure_unit": "units",
             "country": "DE", "frequency": "D", "materiality_floor": 20}  # units a week: a product's scale
    return DemoData(folder, [(f"{name}.csv", None, mapping) for name, mapping in retailer.MAPPINGS.items()], words)


def demo_data() -> DemoData | None:
    mode = os.environ.get("SAAS_DEMO_DATA", "auto")
    if mode == "none":
        return None
    walmart, favorita = _shared("walmart", "WALMART_DATA_DIR"), _shared("favorita", "FAVORITA_DATA_DIR")
    if mode in ("auto", "walmart") and all((walmart / f).exists() for _, f in KIND_FILES):
        return _walmart(walmart)
    if mode == "walmart":
        raise RuntimeError(f"SAAS_DEMO_DATA=walmart but the files are not in {walmart}")
    if mode == "favorita":
        found = _favorita(favorita)
        if not all((favorita / f).exists() for f, _, _ in found.files):
            raise RuntimeError(f"SAAS_DEMO_DATA=favorita but the files are not in {favorita}")
        return found
    if mode == "walmart-generated":  # the Walmart-layout generator (weekly), as before issue 17
        out = Path(settings.BASE_DIR) / "var" / "demo-data"
        if not all((out / f).exists() for _, f in KIND_FILES):
            generate_walmart(out, seed=42)
        return _walmart(out)
    if mode not in ("auto", "generated"):
        raise RuntimeError(f"SAAS_DEMO_DATA={mode}: choose generated, walmart, favorita, auto or none")
    return generated_demo(Path(settings.BASE_DIR) / "var" / "demo-retailer")


def demo_bootstrap(tenant, data: DemoData | None = None) -> str:
    data = data or demo_data()
    if data is None:
        return "demo data disabled"
    with tenant_context(tenant):
        if not Upload.objects.exists():
            if data.settings:
                data_settings_update(actor=Actor.system(), changes=data.settings)
            for name, kind, mapping in data.files:
                with open(data.folder / name, "rb") as fh:
                    upload_create(actor=Actor.system(), file=fh, filename=name, kind=kind, mapping=mapping)
            logger.info("demo: queued %s files from %s", len(data.files), data.folder)
        celery_app.send_task("demo.tasks.train_when_ready", countdown=2)  # in the tenant's context
    return f"demo data from {data.folder}"


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
    job = model_train_start(actor=Actor.system(), horizon=workspace_words().horizon_default, backtest_windows=4)
    return f"training job {job.pk}"
