"""Sends generated bad and odd files through the real upload path (API, then
the worker) and checks what a user must be able to rely on: no 5xx, every job
ends, a failed upload has a clear report (line, column, value, reason) and
wrote nothing, a loaded one accounts for every row, one that waits for its
column mapping shows a proposal and wrote nothing."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from tests.forecasting.ingest.mutations import generate


@dataclass
class Outcome:
    files: int = 0
    statuses: Counter = field(default_factory=Counter)   # http status of the POST
    results: Counter = field(default_factory=Counter)    # succeeded / failed / refused
    problems: list = field(default_factory=list)         # (file, what went wrong)


def _patient(call, *args):
    """Calls again after a 429 (the plan's rate limit), as a well-behaved client does."""
    for _ in range(120):
        status, body = call(*args)
        if status != 429:
            return status, body
        time.sleep(1.0)
    return status, body


def run(*, n: int, seed: int, post: Callable, get: Callable, counts: Callable, timeout: float = 300) -> Outcome:
    """``post(name, data, kind) -> (status, json)``, ``get(path) -> (status, json or bytes)``,
    ``counts() -> dict`` of the tenant's data tables."""
    out = Outcome()
    for name, kind, data, _label in generate(n, seed):
        out.files += 1
        before = counts()
        status, body = _patient(post, name, data, kind)
        out.statuses[status] += 1
        if status >= 500:
            out.problems.append((name, f"POST answered {status}"))
            continue
        if status != 202:  # refused at once (empty file, too large): a JSON error naming why
            out.results["refused"] += 1
            if not (isinstance(body, dict) and body.get("error", {}).get("message")):
                out.problems.append((name, f"refusal {status} without a message: {body!r:.200}"))
            if counts() != before:
                out.problems.append((name, "a refused upload changed data"))
            continue
        upload_id, job_id = body["id"], body["job"]["id"]
        deadline = time.monotonic() + timeout
        while True:
            _, job = _patient(get, f"/api/v1/jobs/{job_id}/")
            if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        _, up = _patient(get, f"/api/v1/uploads/{upload_id}/")
        out.results[up["status"]] += 1
        if up["status"] == "failed":
            errors = up.get("errors") or []
            if not errors or any(set(e) != {"line", "column", "value", "reason"} or not e["reason"] for e in errors):
                out.problems.append((name, f"failed without a clear report: {errors[:2]!r:.300}"))
            if counts() != before:
                out.problems.append((name, "a failed upload wrote rows"))
            code, csv_body = _patient(get, f"/api/v1/uploads/{upload_id}/errors.csv")
            if code != 200:
                out.problems.append((name, f"errors.csv answered {code}"))
        elif up["status"] == "succeeded":
            if up["rows_total"] != up["inserted"] + up["updated"] + up["unchanged"]:
                out.problems.append((name, f"rows unaccounted for: {up!r:.300}"))
        elif up["status"] == "needs_mapping":  # a header it could not map for sure: it asks, wrote nothing
            if counts() != before or not up["proposed_mapping"].get("columns") or not up["preview"]:
                out.problems.append((name, f"needs_mapping without a proposal, or rows written: {up!r:.300}"))
        else:
            out.problems.append((name, f"job did not end: {job!r:.200}"))
    return out
