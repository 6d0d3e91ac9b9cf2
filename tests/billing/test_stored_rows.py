"""Stored rows are every row a workspace keeps of its data: sales, Walmart's store-week features and the
retailer's own covariates. A daily till file with a price and a promotion column stores three rows per
line (its sales, its price, its promotion) and is billed three."""
from __future__ import annotations

import io
from dataclasses import replace
from unittest import mock

from accounts.audit import Actor
from billing import plans
from billing.selectors import usage
from forecasting.models import Covariate, SalesRecord
from forecasting.services.uploads import upload_create, upload_process
from tests.conftest import in_tenant
from tests.support.pages import owner_page

MAPPING = {"columns": {"store": "location", "sku": "item", "date": "date", "units": "measure",
                       "price": "covariate:price:known", "promo": "covariate:promo:known"}}
LINES = 28


def _till(store: str = "ST-1") -> bytes:
    rows = [f"{store},{sku},2024-01-{d:02d},{d},1.{d:02d},{d % 2}" for sku in ("A", "B") for d in range(1, 15)]
    return ("store,sku,date,units,price,promo\n" + "\n".join(rows) + "\n").encode()


def _upload(t, data: bytes):
    with in_tenant(t), mock.patch("saas.celery.app.send_task"):  # loaded here, not by a worker
        up = upload_create(actor=Actor.system(), file=io.BytesIO(data), filename="till.csv", mapping=MAPPING)
        return upload_process(job_id=up.job_id)


def test_a_daily_file_with_price_and_promo_is_billed_three_rows_a_line(tenant):
    done = _upload(tenant, _till())
    assert done.status == "succeeded", done.errors
    with in_tenant(tenant):
        assert (SalesRecord.objects.count(), Covariate.objects.count()) == (LINES, 2 * LINES)
        assert usage("stored_rows") == 3 * LINES


def test_covariate_rows_count_against_the_plans_stored_rows(tenant, monkeypatch):
    plan = tenant.tenant.plan
    monkeypatch.setitem(plans.PLANS, plan, replace(plans.PLANS[plan], max_stored_rows=3 * LINES))
    assert _upload(tenant, _till()).status == "succeeded"  # exactly at the limit
    failed = _upload(tenant, _till("ST-2"))  # its sales alone would fit under the old count
    assert failed.status == "failed" and "stored rows" in failed.errors[0]["reason"], failed.errors
    with in_tenant(tenant):
        assert usage("stored_rows") == 3 * LINES and not SalesRecord.objects.filter(store__gt=1).exists()


def test_billing_and_usage_pages_say_what_stored_rows_count(tenant):
    billing = owner_page(tenant, "/billing/")
    assert "Stored rows of sales and covariates</th>" in billing and "store-week" not in billing
    usage_page = owner_page(tenant, "/usage/")
    assert "rows stored: the rows kept of your sales and covariates" in usage_page
