"""Stage checkpoints: let a test stop a background job at a known point.

A test *arms* a stage for one tenant; the next job of that tenant that reaches
the stage announces itself (its job id on a Redis list the test waits on) and
blocks until the test *releases* it, or until its worker is killed. So a test
catches a job mid-way without racing it, however fast or slow the machine.

Enabled only when ``settings.JOB_CHECKPOINTS`` is true (``saas.settings.test``);
in every other setting ``checkpoint()`` returns at once without touching Redis.
An armed stage is consumed by the first job that reaches it: a job re-run after
its worker was killed goes straight through."""
from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 900  # a forgotten release never holds a worker for ever
_BLOCK = 1  # seconds per BLPOP: below the client's socket timeout (redis-py's default is 5 s)


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _key(schema: str, stage: str, what: str) -> str:
    return f"checkpoint:{schema}:{stage}:{what}"


def checkpoint(stage: str, *, job_id: int) -> None:
    """Called by services at named stages of a job (in the job's tenant)."""
    if not getattr(settings, "JOB_CHECKPOINTS", False):
        return
    schema = connection.schema_name
    r = _redis()
    if not r.lpop(_key(schema, stage, "armed")):
        return
    logger.warning("checkpoint: job %s of %s paused at %r", job_id, schema, stage)
    r.rpush(_key(schema, stage, "reached"), job_id)
    release = _key(schema, stage, f"release:{job_id}")
    deadline = time.monotonic() + MAX_PAUSE_SECONDS
    while r.blpop([release], timeout=_BLOCK) is None:
        if time.monotonic() > deadline:
            logger.error("checkpoint: job %s of %s was never released from %r", job_id, schema, stage)
            return
    logger.warning("checkpoint: job %s of %s released from %r", job_id, schema, stage)


# ---------------------------------------------------------------- test side
def checkpoint_arm(schema: str, stage: str) -> None:
    r = _redis()
    r.delete(_key(schema, stage, "reached"))
    r.rpush(_key(schema, stage, "armed"), 1)


def checkpoint_disarm(schema: str, stage: str) -> None:
    """Forget an armed stage no job reached (the path that would have reached it was not taken)."""
    _redis().delete(_key(schema, stage, "armed"))


def checkpoint_wait(schema: str, stage: str, timeout: float = 300) -> int:
    """Block until a job of ``schema`` reaches ``stage``; its job id."""
    r = _redis()
    deadline = time.monotonic() + timeout
    while (got := r.blpop([_key(schema, stage, "reached")], timeout=_BLOCK)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no job of {schema} reached {stage!r} within {timeout} s")
    return int(got[1])


def checkpoint_release(schema: str, stage: str, job_id: int) -> None:
    _redis().rpush(_key(schema, stage, f"release:{job_id}"), 1)
