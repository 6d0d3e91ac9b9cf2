"""The Stores and Departments tables, the Dashboard's and the Data page's figures over every store, computed by the worker
after each job that changes what they show (an upload, a training, a refresh,
an evaluation) and stored, so that a page view only reads
(forecasting/selectors/stores.py serves them while they are current)."""
from __future__ import annotations

import time

from django.db import transaction

from accounts.scope import StoreScope
from forecasting.models import FiguresSnapshot
from forecasting.selectors.dashboard import dashboard_figures_compute
from forecasting.selectors.dataset import dataset_summary_compute
from forecasting.selectors.stores import department_table_compute, snapshot_fingerprint, store_table_compute

# in this order: the dashboard's figures sum the stores and departments tables just stored
KINDS = {"stores": store_table_compute, "departments": department_table_compute,
         "dashboard": dashboard_figures_compute, "dataset": dataset_summary_compute}


def figures_snapshot_write() -> list[FiguresSnapshot]:
    """Recompute and store the tables and the Dashboard's figures (the fingerprint is read first: a change meanwhile leaves them stale)."""
    fingerprint = snapshot_fingerprint()
    out = []
    for kind, compute in KINDS.items():
        started = time.perf_counter()
        data = compute(scope=StoreScope.all())
        with transaction.atomic():
            snap, _ = FiguresSnapshot.objects.update_or_create(kind=kind, defaults={
                "data": data, "seconds": round(time.perf_counter() - started, 3), **fingerprint})
        out.append(snap)
    return out
