"""JSON log lines (python-json-logger) with the context of ``context.py``.

``LOG_FORMAT=plain`` switches to a human format for local debugging; the
context fields are appended there too."""
from __future__ import annotations

import logging

from saas.observability import context


class ContextFilter(logging.Filter):
    """Adds tenant, request_id, user_id, key_id and job_id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context.current().items():
            if not hasattr(record, name) or getattr(record, name) is None:
                setattr(record, name, value)
        return True


JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s " + " ".join(f"%({f})s" for f in context.FIELDS)


def logging_config(*, fmt: str = "json", level: str = "INFO") -> dict:
    formatter = {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(tenant)s %(request_id)s job=%(job_id)s] "
                            "%(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "saas.observability.logs.ContextFilter"}},
        "formatters": {"main": formatter["plain" if fmt == "plain" else "json"]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"axes": {"level": "WARNING"}, "django.db.backends": {"level": "WARNING"},
                    # one line per request comes from RequestContextMiddleware
                    "django.server": {"level": "WARNING"}},
    }
