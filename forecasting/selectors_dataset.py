"""The dataset summary of the Data page and ``GET /api/v1/datasets/summary/``:
the worker's stored copy over every store (FiguresSnapshot ``dataset``, written
after each job by forecasting/services/figures.py) while it is that of the
current data; computed on read otherwise, and always for a store-restricted
principal (her stores only). One pass over every sales row takes about 0.4 s on
the Walmart data: too slow for a page view."""
from __future__ import annotations

from accounts.scope import StoreScope
from forecasting import selectors, selectors_stores


def dataset_summary(*, scope: StoreScope) -> dict:
    if not scope.restricted:
        found = selectors_stores.stored_figures("dataset")
        if found is not None:
            return found
    return selectors.dataset_summary_compute(scope=scope)
