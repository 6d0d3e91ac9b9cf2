"""A real Dask cluster of separate processes, as production runs one (docker-compose.yml's dask-scheduler and
dask-worker services): ``dask scheduler`` and ``dask worker`` started as subprocesses of the venv's own
``dask`` command, the project on the workers' path; stopped (by their process ids) when the block ends."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from distributed import Client

ROOT = Path(__file__).resolve().parents[2]
DASK = str(Path(sys.executable).parent / "dask")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def dask_processes(workers: int = 2, threads: int = 1, timeout: float = 60.0):
    """Yields the scheduler's address (``tcp://127.0.0.1:PORT``) once ``workers`` worker processes joined it;
    ``pids``: the scheduler's and the worker commands' process ids, on the yielded object."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    folder = tempfile.mkdtemp(prefix="dask-cluster-")
    info = Path(folder) / "scheduler.json"
    log = open(Path(folder) / "log.txt", "w")  # closed below
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], cwd=ROOT, env=env, stdout=log, stderr=log)]
    try:
        deadline = time.monotonic() + timeout
        while not info.exists() or not info.read_text().strip():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError(f"dask scheduler did not start: {(Path(folder) / 'log.txt').read_text()[-2000:]}")
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        for _ in range(workers):
            procs.append(subprocess.Popen([DASK, "worker", address, "--nthreads", str(threads), "--nworkers", "1",
                                           "--no-dashboard", "--memory-limit", "0"],
                                          cwd=ROOT, env=env, stdout=log, stderr=log))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=max(1.0, deadline - time.monotonic()))
        yield Cluster(address, [p.pid for p in procs])
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


class Cluster(str):
    """The scheduler's address, with the process ids of the commands started."""

    def __new__(cls, address: str, pids: list):
        out = super().__new__(cls, address)
        out.pids = pids
        return out

