"""The audit log of a tenant: who did what, when, from where, in a
tamper-evident chain.

The package's public API, re-exported here because services across the project
write events: ``Actor`` and ``audit_record`` (both from ``record.py``), and
nothing else. Every other name is imported from its module:

- ``registry.py``: ``ACTIONS`` (every action code and its label) and ``FIELD_LABELS``;
- ``record.py``: ``Actor`` and ``audit_record``, the writer;
- ``chain.py``: the chain head lock and ``verify_chain``;
- ``hash.py``: the frozen canonical form and ``content_hash`` (pure Python);
- ``export.py``: the log as CSV;
- ``display.py``: how events read on the Audit page.
"""
from accounts.audit.record import Actor, audit_record

__all__ = ["Actor", "audit_record"]
