"""How audit events read on the Audit page: payload keys as labelled fields
(labels from ``accounts.audit.registry.FIELD_LABELS``), values in plain text."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from accounts.audit.registry import ACTIONS, FIELD_LABELS

_HEX_DIGEST = re.compile(r"[0-9a-f]{40,}")


@dataclass(frozen=True)
class Field:
    label: str
    text: str
    full: str = ""  # the untruncated value, when ``text`` is shortened


def field_label(key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = key.replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def format_value(value) -> tuple[str, str]:
    """(text shown, full text when shortened)."""
    if value is None or value == "":
        return "—", ""
    if isinstance(value, bool):
        return ("yes" if value else "no"), ""
    if isinstance(value, int):
        return f"{value:,}", ""
    if isinstance(value, float):
        return (f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"), ""
    if isinstance(value, str):
        if _HEX_DIGEST.fullmatch(value):
            return value[:12] + "…", value
        return (value[:200] + "…", value) if len(value) > 200 else (value, "")
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return (text[:200] + "…", text) if len(text) > 200 else (text, "")


def payload_fields(payload) -> list[Field]:
    if not isinstance(payload, dict):
        return [Field("Details", *format_value(payload))] if payload not in (None, "", [], {}) else []
    return [Field(field_label(str(k)), *format_value(v)) for k, v in payload.items()]


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)
