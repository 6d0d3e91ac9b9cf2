"""The audit log as CSV, for the Audit page and the API alike; cells go
through the product's one formula-safe rule (``saas.csv_safe``)."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import timezone as dt_timezone

from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.audit.registry import ACTIONS
from saas.csv_safe import safe_cell

HEADER = ["id", "sequence", "created_at", "action", "action_label", "actor", "actor_user_id", "actor_api_key_id",
          "ip", "request_id", "target_type", "target_id", "payload", "prev_hash", "hash"]


def csv_safe(value) -> str | int | float:
    """None as an empty cell, booleans as words, then the shared formula rule."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value if isinstance(value, (int, float)) else str(value))


def rows(events: Iterable) -> Iterator[list]:
    for e in events:
        yield [csv_safe(v) for v in (
            e.pk, e.sequence, e.created_at.astimezone(dt_timezone.utc).isoformat(), e.action,
            ACTIONS.get(e.action, e.action), e.actor_label, e.actor_user_id, e.actor_api_key_id, e.ip, e.request_id,
            e.target_type, e.target_id, json.dumps(e.payload, sort_keys=True, ensure_ascii=False), e.prev_hash,
            e.hash)]


class _Echo:
    def write(self, value):
        return value


def csv_response(events, *, filename: str) -> StreamingHttpResponse:
    """Streams ``events`` (a queryset) as CSV, header first."""
    writer = csv.writer(_Echo())

    def generate():
        yield writer.writerow(HEADER)
        for row in rows(events.iterator(chunk_size=2000)):
            yield writer.writerow(row)

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_filename(slug: str) -> str:
    return f"audit-{slug}-{timezone.now():%Y%m%d-%H%M%S}.csv"
