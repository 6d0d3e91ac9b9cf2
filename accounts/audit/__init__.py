"""The audit log of a tenant: who did what, when, from where, in a
tamper-evident chain. ``Actor`` and ``audit_record`` are re-exported here
(``from accounts.audit import Actor, audit_record``); the registry and
``client_ip`` too, until their importers read them from their modules."""
from accounts.audit.record import ACTIONS, FIELD_LABELS, Actor, audit_record, client_ip

__all__ = ["ACTIONS", "FIELD_LABELS", "Actor", "audit_record", "client_ip"]
