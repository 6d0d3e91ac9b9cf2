"""Where a map over partitions runs (issue 20 item 2): in this process, one partition after another (the
default: no Dask started, nothing to set up), or as Dask tasks, on a ``distributed.LocalCluster`` of worker
processes started for the job or on an existing cluster at a scheduler's address.

An executor's ``map(fn, items, **shared)`` returns ``[fn(item, **shared) for item in items]`` in the order of
``items``, wherever they ran; ``put(items)`` hands the items over once (Dask: scattered to the workers, where
the later maps over them run) so that several maps over the same partitions ship them once; ``local``: the
items are read in this process, so they may refer to the caller's frames rather than carry copies. What runs is a
module-level function of plain arrays and frames, seeded by its arguments only, so the results do not depend
on the executor. Which executor a job uses is the product's choice (forecasting/services/periodic.py); this
module reads no settings. Dask is imported only when a cluster is used: a process that never starts one
(web, Celery parents, small tenants) does not load it."""
from __future__ import annotations

import logging
import multiprocessing
import os
from contextlib import contextmanager
from multiprocessing.process import AuthenticationString


class InProcess:
    """Every partition in this process, one after another: peak memory is that of the largest."""
    name = "in-process"
    workers = 1
    local = True  # the items are read where they are: no copy is shipped

    def put(self, items) -> list:
        return list(items)

    def map(self, fn, items: list, **shared) -> list:
        return [fn(item, **shared) for item in items]

    def everywhere(self, fn, *args) -> None:
        fn(*args)

    def close(self) -> None:
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DaskExecutor:
    """Partitions as Dask tasks through ``client``; ``cluster``: a LocalCluster this executor started (closed
    with it), None for an existing cluster (only the client is closed)."""
    name = "dask"
    local = False

    def __init__(self, client, cluster=None):
        self.client, self.cluster = client, cluster
        self.name = "dask-local" if cluster is not None else "dask-cluster"

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def put(self, items) -> list:
        """Each item to one worker in turn, one at a time (``items`` may be a generator that makes each)."""
        workers = sorted(self.client.scheduler_info(n_workers=-1)["workers"])
        return [self.client.scatter(item, workers=[workers[i % len(workers)]], hash=False)
                for i, item in enumerate(items)]

    def map(self, fn, items: list, **shared) -> list:
        # an argument shared by every task goes to each worker once, not once per task
        sent = {k: self.client.scatter([v], broadcast=True, hash=False)[0] for k, v in shared.items()}
        futures = [self.client.submit(fn, item, pure=False, **sent) for item in items]
        try:
            return self.client.gather(futures)
        finally:
            for f in [*futures, *sent.values()]:
                f.release()

    def everywhere(self, fn, *args) -> None:
        """``fn(*args)`` in every worker process (e.g. to remove what the job left in their temp folders)."""
        self.client.run(fn, *args)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def _children_allowed():
    """A Celery prefork pool's process (billiard's) is daemonic, and multiprocessing refuses a daemonic
    process children, nor can it pass billiard's authentication key to them: while the cluster's worker
    processes start, the flag is lifted and the key is multiprocessing's own type. They do not outlive this
    process: a Dask worker process exits when its parent does, and the executor closes the cluster when the
    job ends."""
    config = multiprocessing.current_process()._config
    saved = dict(config)
    config["daemon"] = False
    if "authkey" in config:
        config["authkey"] = AuthenticationString(bytes(config["authkey"]))
    try:
        yield
    finally:
        config.clear()
        config.update(saved)


def local_cluster(workers: int, *, threads_per_worker: int = 1, memory_limit: str | int = 0) -> DaskExecutor:
    """A ``distributed.LocalCluster`` of ``workers`` worker processes on this machine, quiet; its HTTP endpoint
    on a free local port (concurrent jobs do not contend for 8787)."""
    from distributed import Client, LocalCluster  # heavy (ruff.toml allow-list): loaded by a job that starts a cluster

    with _children_allowed():
        cluster = LocalCluster(n_workers=int(workers), processes=True, threads_per_worker=int(threads_per_worker),
                               memory_limit=memory_limit, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    return DaskExecutor(Client(cluster), cluster)


def remote_cluster(address: str) -> DaskExecutor:
    """A client of the existing cluster whose scheduler listens at ``address`` (``tcp://host:8786``)."""
    from distributed import Client  # heavy (ruff.toml allow-list): loaded by a job that uses the cluster

    return DaskExecutor(Client(address, timeout="30s"))


def choose(*, series: int, min_series: int, address: str | None = None, workers: int | None = None,
           threads_per_worker: int = 1):
    """The executor of a job over ``series`` series: below ``min_series`` series (or with ``min_series`` <= 0)
    this process, where a single partition costs nothing to ship; from it, the cluster at ``address`` when
    one is given, otherwise a LocalCluster of ``workers`` processes (default: the machine's CPUs)."""
    if min_series <= 0 or series < min_series:
        return InProcess()
    if address:
        return remote_cluster(address)
    return local_cluster(workers or os.cpu_count() or 1, threads_per_worker=threads_per_worker)
