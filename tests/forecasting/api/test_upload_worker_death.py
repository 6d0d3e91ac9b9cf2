"""An ingest worker that dies after its upload's rows committed and before it finished the job (stopped
there by a checkpoint, then SIGKILLed): the restarted worker recovers the job and finishes it from what
was committed (succeeded, with the upload's counts), without loading the file twice. Before, the re-run
saw the upload loaded and returned, leaving the job queued for ever."""
from __future__ import annotations

import pytest

from saas.checkpoints import checkpoint_arm, checkpoint_wait
from tests.conftest import in_tenant, provision
from tests.support.data import upload
from tests.support.victim import victim_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow]

FRIDAYS = ("2012-03-02", "2012-03-09", "2012-03-16", "2012-03-23", "2012-03-30", "2012-04-06")
SALES = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n" + b"".join(
    f"1,{d},{day},{100 + d * 3 + i}.5,FALSE\n".encode() for d in (1, 2, 3) for i, day in enumerate(FRIDAYS))


def test_a_worker_killed_after_the_commit_leaves_a_finished_job(celery_worker_proc, tmp_path):
    from forecasting.models import SalesRecord, Upload
    from jobs.models import Job

    t = provision("ingest-death")
    with victim_worker("ingest", tmp_path / "victim.log") as victim:
        checkpoint_arm(t.schema, "loaded")
        created = upload(t, SALES, "sales.csv", wait=False)
        job_id = created["job"]["id"]
        assert checkpoint_wait(t.schema, "loaded", timeout=120) == job_id
        with in_tenant(t):  # the rows and the upload's outcome are committed; the job is not finished
            assert Upload.objects.get(pk=created["id"]).status == "succeeded"
            assert Job.objects.get(pk=job_id).status == "running"
        victim.kill(t, job_id)
        done = victim.restart_until_done(t, job_id, timeout=120)
    assert done["status"] == "succeeded", done
    assert done["result"]["upload"] == created["id"] and done["result"]["inserted"] == 18, done
    with in_tenant(t):
        assert SalesRecord.objects.count() == 18
