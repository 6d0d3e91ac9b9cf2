"""Issue 9 ("pages update themselves when a job they show ends") on the Models
page, in a real browser with the real worker: a training started with the
page's Train button is listed by the page's watch while it runs (stopped at a
known point inside the pipeline, saas/checkpoints.py); once it ends, the page
reloads itself and the versions table shows the new version."""
from __future__ import annotations

import pytest

from tests.conftest import provision
from tests.support.browser import login
from tests.support.data import upload

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def loaded(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate

    with django_db_blocker.unblock():
        t = provision("modelspage")
        files = generate(tmp_path_factory.mktemp("demo"), seed=5, small=True)
        for kind in ("stores", "features", "sales"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
    return t


def test_versions_table_shows_the_new_version_when_the_training_started_from_the_page_ends(
        live_server_proc, page, loaded):
    from saas.checkpoints import checkpoint_arm, checkpoint_release, checkpoint_wait

    t = loaded
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/models/"))
    assert "No model yet" in page.inner_text("#versions")
    checkpoint_arm(t.schema, "training")
    page.fill("#train-form input[name=horizon]", "8")
    page.fill("#train-form input[name=backtest_windows]", "1")
    page.click("#train-form button[type=submit]")
    job_id = checkpoint_wait(t.schema, "training", timeout=300)  # the worker holds it inside the pipeline
    page.wait_for_selector(f"#job-watch >> text=job #{job_id}", timeout=30000)  # listed by the page's watch
    page.wait_for_selector("#job-watch [data-status=running]", timeout=30000)  # and followed by its polling
    page.evaluate("() => { window.__before_reload = true; }")
    assert "No model yet" in page.inner_text("#versions")
    checkpoint_release(t.schema, "training", job_id)
    page.wait_for_function("() => window.__before_reload === undefined", timeout=600000)
    page.wait_for_selector("#versions >> text=v1")
    assert page.locator("#versions tbody tr").count() == 1 and "No model yet" not in page.inner_text("#versions")
    assert page.locator("#job-watch .job").count() == 0
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
