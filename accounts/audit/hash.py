"""The tamper-evident audit chain of one tenant (one PostgreSQL schema): the
hash. Pure Python, no Django, so migrations can import it (see
accounts/audit/chain.py for writing and verifying).

Every ``AuditEvent`` carries a ``sequence`` number (1, 2, 3, ... with no gap),
the ``prev_hash`` of the event before it (``GENESIS`` for the first one) and
its own ``hash``: SHA-256 over the canonical JSON of its content (action, actor
fields, ip, request id, target, payload, created_at, sequence) and
``prev_hash``. One row, ``AuditChainHead``, holds the last sequence and hash;
writers lock it (``SELECT ... FOR UPDATE``) inside the transaction that inserts
the event, so concurrent writers queue instead of forking the chain, and a
deleted tail is visible (the head says more events than there are).

Editing, deleting or inserting an event anywhere breaks the chain from that
event on; ``verify_chain`` names the first break. The hash is plain SHA-256
(anyone holding an export can check it). A database superuser who rewrites
every later hash and the head too is only caught by comparing the head with a
copy kept elsewhere (``verify_audit`` prints each head for that purpose).

The canonical form is frozen: changing it breaks every stored chain. The
migration that backfilled existing events imports ``content_hash`` from here.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timezone as dt_timezone
from typing import Any, Mapping

GENESIS = "0" * 64
CHAIN_FIELDS = ("sequence", "prev_hash", "created_at", "action", "actor_user_id", "actor_api_key_id",
                "actor_label", "ip", "request_id", "target_type", "target_id", "payload")


def _normalise(value: Any) -> Any:
    """JSON values as they come back from PostgreSQL's jsonb: an integral
    float (1e20, 3.0) is read back as an int, key order is not kept."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    return value


def canonical(fields: Mapping[str, Any]) -> bytes:
    created_at = fields["created_at"].astimezone(dt_timezone.utc).isoformat(timespec="microseconds")
    doc = {
        "v": 1,
        "sequence": int(fields["sequence"]),
        "prev_hash": fields["prev_hash"],
        "created_at": created_at,
        "action": fields["action"],
        "actor_user_id": fields["actor_user_id"],
        "actor_api_key_id": fields["actor_api_key_id"],
        "actor_label": fields["actor_label"] or "",
        "ip": fields["ip"] or None,
        "request_id": fields["request_id"] or "",
        "target_type": fields["target_type"] or "",
        "target_id": fields["target_id"] or "",
        "payload": _normalise(fields["payload"] or {}),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def content_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(event) -> dict[str, Any]:
    """The chained fields of a stored event (a model instance, also a
    migration's historical model)."""
    return {name: getattr(event, name) for name in CHAIN_FIELDS}
