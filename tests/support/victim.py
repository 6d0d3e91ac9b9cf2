"""A worker of its own to SIGKILL in the middle of a job (stopped at a known
point by a checkpoint), then a restarted one that recovers the orphaned job:
the set-up every "worker dies during ..." test shares.

    with victim_worker("ml", tmp_path / "victim.log") as victim:
        ... start the job, checkpoint_wait(...) ...
        victim.kill(t, job_id)          # SIGKILL; until PostgreSQL ends its session
        ... what a dead worker left ...
        done = victim.restart_until_done(t, job_id)

While inside, the session's worker does not consume ``queue``: only the victim
(then the restarted worker) takes the job."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO, die_with_parent, in_tenant, service_env
from tests.support.data import wait_job


def wait_orphaned(t, job_id: int, timeout: float = 60) -> None:
    """Until no session holds the job's lock (a killed worker's session ends)."""
    from jobs.services import job_lock_release, job_lock_try

    deadline = time.monotonic() + timeout
    with in_tenant(t):
        while not job_lock_try(job_id):
            assert time.monotonic() < deadline, "the dead worker's session still holds the job"
            time.sleep(0.2)
        job_lock_release(job_id)


def start_worker(name: str, log: Path, queues: str = "default,ml") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "saas", "worker", "-Q", queues,
                             "--concurrency", "1", "-n", name, "--loglevel", "INFO", "--without-mingle",
                             "--without-gossip"],
                            cwd=REPO, env=service_env(ML_NUM_THREADS="2"), stdout=open(log, "a"),
                            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)


class Victim:
    def __init__(self, name: str, log: Path, queues: str = "default,ml"):
        self.name, self.log, self.queues = name, log, queues
        self.proc = start_worker(name, log, queues)

    def kill(self, t, job_id: int) -> None:
        """SIGKILL, then wait until PostgreSQL has ended its session (the job's lock is free)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        wait_orphaned(t, job_id)

    def restart_until_done(self, t, job_id: int, timeout: float = 600) -> dict:
        """A restarted worker recovers the orphaned job; its final state."""
        restarted = start_worker(self.name.replace("victim", "restarted"), self.log, self.queues)
        try:
            return wait_job(t, job_id, timeout=timeout)
        finally:
            os.killpg(restarted.pid, signal.SIGTERM)
            restarted.wait(timeout=60)


@contextmanager
def victim_worker(queue: str, log: Path):
    from saas.celery import app

    session_worker = [n for r in app.control.ping(timeout=1) for n in r if n.startswith("test-")]
    app.control.cancel_consumer(queue, destination=session_worker, reply=True)
    victim = None
    try:
        victim = Victim(f"victim-{uuid.uuid4().hex[:6]}@%h", log, "default,ml" if queue == "ml" else queue)
        deadline = time.monotonic() + 60
        while not any(n.startswith("victim-") for r in (app.control.ping(timeout=0.5) or []) for n in r):
            assert time.monotonic() < deadline, log.read_text()
        yield victim
    finally:
        if victim is not None and victim.proc.poll() is None:
            os.killpg(victim.proc.pid, signal.SIGKILL)
        app.control.add_consumer(queue, destination=session_worker, reply=True)
