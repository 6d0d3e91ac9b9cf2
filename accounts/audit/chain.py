"""Writing and verifying the audit chain of the current schema; the format
and the hash are in ``accounts.audit.hash`` (read its docstring)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from accounts.audit.hash import GENESIS, content_hash, fields_of
from accounts.models import AuditChainHead, AuditEvent


# ------------------------------------------------------------------ writing
def lock_head():
    """The chain head, locked until the surrounding transaction ends. Call
    inside ``transaction.atomic``."""
    head = AuditChainHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:  # a schema older than the head row: create it once
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, sequence=0, hash=GENESIS)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


# ---------------------------------------------------------------- verifying
@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    sequence: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event id={self.event_id} (sequence {self.sequence})" if self.event_id else "chain head"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    events: int
    head_sequence: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walks this schema's events in sequence order; returns the first break.

    Safe while others write: the head and the highest sequence are read in one
    statement (one snapshot), then the walk covers the events up to that head,
    all of which were committed with it. An event above the head is one that
    was inserted without going through ``audit_record``."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT h.sequence, h.hash, (SELECT max(sequence) FROM {AuditEvent._meta.db_table}) "
                    f"FROM (SELECT 1) AS one LEFT JOIN {AuditChainHead._meta.db_table} AS h ON h.id = 1")
        head_seq, head_hash, max_seq = cur.fetchone()
    head_seq, head_hash = (head_seq or 0), (head_hash or GENESIS)
    expected, prev_hash, prev_id, count = 1, GENESIS, None, 0
    events = AuditEvent.objects.filter(sequence__lte=head_seq).order_by("sequence")
    for event in events.iterator(chunk_size=chunk_size):
        count += 1
        brk = _check(event, expected, prev_hash, prev_id)
        if brk is not None:
            return ChainReport(count, head_seq, head_hash, brk)
        expected, prev_hash, prev_id = event.sequence + 1, event.hash, event.pk
    last = expected - 1
    if head_seq != last or head_hash != prev_hash:
        reason = (f"the chain head records {head_seq} event(s) ending in hash {head_hash[:16]}…, but the log "
                  f"ends at sequence {last} with hash {prev_hash[:16]}…")
        if head_seq > last:
            reason += f": the last {head_seq - last} event(s) were deleted"
        return ChainReport(count, head_seq, head_hash, ChainBreak(None, None, reason))
    if max_seq is not None and max_seq > head_seq:
        extra = AuditEvent.objects.filter(sequence__gt=head_seq).order_by("sequence").first()
        if extra is not None and extra.sequence <= max_seq:
            return ChainReport(count, head_seq, head_hash, ChainBreak(
                extra.pk, extra.sequence, f"beyond the chain head (#{head_seq}): inserted without audit_record"))
    return ChainReport(count, head_seq, head_hash, None)


def _check(event, expected: int, prev_hash: str, prev_id: int | None) -> ChainBreak | None:
    if event.sequence is None or event.sequence != expected:
        if event.sequence is not None and event.sequence > expected:
            missing = (f"sequence {expected}" if event.sequence == expected + 1
                       else f"sequences {expected}–{event.sequence - 1}")
            after = f" (after event id={prev_id})" if prev_id else ""
            return ChainBreak(event.pk, event.sequence, f"{missing} missing{after}: deleted from the log")
        return ChainBreak(event.pk, event.sequence, f"sequence should be {expected}: inserted or renumbered")
    if event.prev_hash != prev_hash:
        before = f"event id={prev_id}" if prev_id else "the start of the chain"
        return ChainBreak(event.pk, event.sequence,
                          f"prev_hash {event.prev_hash[:16]}… does not match the hash of {before} "
                          f"({prev_hash[:16]}…): one of the two was rewritten")
    computed = content_hash(fields_of(event))
    if computed != event.hash:
        return ChainBreak(event.pk, event.sequence,
                          f"content does not match its hash (stored {event.hash[:16]}…, computed {computed[:16]}…): "
                          "action, actor, ip, request id, target, payload or time was changed after it was written")
    return None
