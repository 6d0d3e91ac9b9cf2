"""The context every log line (and Sentry event) carries: tenant schema,
request id, user or API key id, job id. Context variables, so they follow a
request through its thread and a task through its worker process."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

FIELDS = ("tenant", "request_id", "user_id", "key_id", "job_id")
_vars = {name: contextvars.ContextVar(f"saas_{name}", default=None) for name in FIELDS}


def bind(**values) -> None:
    for name, value in values.items():
        _vars[name].set(value)


def clear() -> None:
    for var in _vars.values():
        var.set(None)


def current() -> dict:
    return {name: var.get() for name, var in _vars.items()}


def get(name: str):
    return _vars[name].get()


@contextmanager
def bound(**values):
    tokens = {name: _vars[name].set(value) for name, value in values.items()}
    try:
        yield
    finally:
        for name, token in tokens.items():
            _vars[name].reset(token)
