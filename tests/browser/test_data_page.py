"""Issue 9 ("pages update themselves when a job they show ends") on the Data
page, in a real browser with the real worker: an upload started from the page
is held at a known point (saas/checkpoints.py, validated, not yet loaded);
once it ends, the dataset summary and the upload history show it in place,
without a reload."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import provision
from tests.support.browser import login
from tests.support.data import upload

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def prepared(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate

    with django_db_blocker.unblock():
        t = provision("datapage")
        files = generate(tmp_path_factory.mktemp("demo"), seed=5, small=True)
        for kind in ("stores", "features"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
    return t, files


def _sales_rows(page) -> str:
    return page.inner_text("#dataset-summary .stat:nth-child(4) .value")


def test_summary_and_history_show_an_upload_started_from_the_page_when_it_ends(live_server_proc, page, prepared):
    from saas.checkpoints import checkpoint_arm, checkpoint_release, checkpoint_wait

    t, files = prepared
    rows = len(pd.read_csv(files["sales"]))
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/data/"))
    assert _sales_rows(page) == "0" and files["sales"].name not in page.inner_text("#upload-history")
    checkpoint_arm(t.schema, "loading")
    page.set_input_files("#upload-form input[name=file]", str(files["sales"]))
    page.click("#upload-form button[type=submit]")
    job_id = checkpoint_wait(t.schema, "loading", timeout=120)  # validated, held before loading
    page.wait_for_selector("#upload-status [data-status=running]", timeout=30000)
    page.evaluate("() => { window.__before_reload = true; }")
    assert _sales_rows(page) == "0"
    checkpoint_release(t.schema, "loading", job_id)
    page.wait_for_selector("#upload-status [data-status=succeeded]", timeout=120000)
    assert _sales_rows(page) == f"{rows:,}"  # swapped in with the upload's last status answer
    history = page.inner_text("#upload-history tbody tr >> nth=0")
    assert files["sales"].name in history and "succeeded" in history
    assert page.evaluate("() => window.__before_reload") is True  # in place, no reload
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
