"""Uploads read with a column mapping (issue 17): any delimiter, decimal comma, date format, XLSX or
Parquet, the retailer's own codes and headers.

The mapping is the one sent with the upload or confirmed later (``upload_mapping_confirm``), else a
layout the workspace saved for the same header, else a known layout (Walmart's, Favorita's, long
store/SKU exports); otherwise the upload stops at ``needs_mapping`` with the proposal and a preview.
Reading is strict (every bad cell named by line, column, value and reason; nothing stored). Inside the
load's one transaction the codes become the catalogue's ids (a new code gets its number when it is a
free one, else the next free id), dates become the workspace's periods (finer rows summed; closed days
left out) and the rows go to today's tables (forecasting/services/upload_outcome.py)."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import time

import pandas as pd
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.ingest.columns import header_key
from forecasting.ingest.mapping import canonical
from forecasting.ingest.mapping.dialect import read_table
from forecasting.ingest.mapping.propose import propose
from forecasting.ingest.mapping.read import FileFormatError, read_mapped, sample_csv
from forecasting.ingest.mapping.roles import Mapping, MappingError, parse_mapping
from forecasting.ingest.mapping.route import SAMPLE_BYTES, head
from forecasting.ingest.parsing import ParseLimits, ParseResult
from forecasting.ingest.source import FileError, read_raw
from forecasting.models import DataSettings, Item, Layout, Location, Upload
from forecasting.services.catalog import data_settings_locked
from forecasting.services.covariates import covariates_store
from forecasting.services.events import events_store
from forecasting.services.mapped_stream import sales_stream
from forecasting.services.upload_loading import LoadCounts
from forecasting.services.upload_outcome import LoadRefused, upload_fail, upload_load
from forecasting.services.upload_scope import upload_scope
from jobs.models import Job
from jobs.services import job_create, job_enqueue, job_succeed
from saas.errors import Conflict, ValidationFailed

COVARIATE_KINDS = ("calendar", "item_covariates", "series_covariates")
READ_KINDS = ("sales", "locations", "items", "location_covariates", "events", *COVARIATE_KINDS)
UNREADABLE = (csv.Error, pd.errors.ParserError, UnicodeError)  # text the sniffer or pandas cannot split
_MODELS = {"location": Location, "item": Item}


def file_start(path: str) -> bytes:
    """Enough of a stored upload to read its header: a text file's first bytes; a workbook or Parquet
    file whole (their header is not at the start)."""
    with open(path, "rb") as fh:
        start = fh.read(SAMPLE_BYTES)
        return start + fh.read() if start[:4] in (b"PAR1", b"PK\x03\x04") else start


def header_of(raw: bytes, delimiter: str | None = None) -> list[str]:
    return read_table(head(sample_csv(raw))[: 64 * 1024], delimiter).header


def signature(header: list[str]) -> str:
    return hashlib.sha256(json.dumps([header_key(h) for h in header]).encode()).hexdigest()


def mapping_check(obj, *, raw: bytes) -> tuple[Mapping, list[str]]:
    """``obj`` (the API's ``mapping``) checked against the file's own header, and that header:
    ``ValidationFailed`` naming each bad field (``mapping.columns.<header>``...)."""
    delimiter = obj.get("delimiter") if isinstance(obj, dict) else None
    header = header_of(raw, delimiter if isinstance(delimiter, str) else None)
    try:
        return parse_mapping(obj, header=header), header
    except MappingError as exc:
        raise ValidationFailed(f"mapping: {exc}", details={f"mapping.{k}": v for k, v in exc.details.items()})


def layout_save(*, header: list[str], mapping: Mapping, actor: Actor) -> Layout:
    """Inside the caller's transaction: the workspace's layout for files with this header."""
    layout, _ = Layout.objects.update_or_create(
        signature=signature(header),
        defaults={"header": header, "mapping": mapping.as_json(), "updated_at": timezone.now(),
                  "created_by": actor.user})
    return layout


def upload_mapping_confirm(*, upload: Upload, actor: Actor, mapping: dict) -> Upload:
    """``needs_mapping`` -> queued again with ``mapping`` (saved as the layout for its header). 409 when
    the upload is not waiting for a mapping or its file is gone; 400 naming each bad field."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update(no_key=True).get(pk=upload.pk)
        if locked.status != Upload.Status.NEEDS_MAPPING:
            raise Conflict(f"Upload {upload.pk} is {locked.status}, not waiting for a mapping.",
                           code="upload_not_waiting", details={"status": locked.status})
        try:
            raw = file_start(locked.file_path)
        except OSError:
            raise Conflict(f"Upload {upload.pk}'s file is no longer stored: upload it again.",
                           code="upload_file_missing", details={"upload": upload.pk}) from None
        checked, header = mapping_check(mapping, raw=raw)
        job = job_create(actor=actor, kind=Job.Kind.INGEST, params={"kind": None, "mapping": True},
                         message="Queued")
        layout = layout_save(header=header, mapping=checked, actor=actor)
        Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.QUEUED, mapping=checked.as_json(),
                                                   job=job, layout=f"saved:{layout.pk}")
        audit_record(action="upload.mapping_confirmed", actor=actor, target_type="upload", target_id=upload.pk,
                     payload={"filename": upload.original_filename, "mapping": checked.as_json(),
                              "kind": checked.kind})
        job_enqueue(job)
    upload.refresh_from_db()
    return upload


def _decide(upload: Upload, raw: bytes) -> tuple[Mapping | None, str, object]:
    """(mapping, layout name, proposal): the mapping to read with, or None to ask."""
    if upload.mapping:
        return parse_mapping(upload.mapping), upload.layout or "sent", None
    sample = head(sample_csv(raw))
    proposal = propose(sample)
    saved = Layout.objects.filter(signature=signature(read_table(sample, proposal.mapping.delimiter).header)).first()
    if saved is not None:
        Layout.objects.filter(pk=saved.pk).update(uses=F("uses") + 1)
        return parse_mapping(saved.mapping), f"saved:{saved.pk}", proposal
    if proposal.certain and proposal.kind:
        return proposal.mapping, proposal.layout, proposal
    return None, "", proposal


def _ask(upload: Upload, proposal) -> Upload:
    mapping = proposal.mapping
    header = list(mapping.columns)
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.NEEDS_MAPPING, proposed_mapping=mapping.as_json(), kind=mapping.kind or "",
        preview=[header, *proposal.preview[:10]], warnings=proposal.notes, finished_at=timezone.now())
    if upload.job_id:
        job_succeed(job_id=upload.job_id, message="Needs its column mapping: confirm it on the Data page",
                    result={"upload": upload.pk, "status": Upload.Status.NEEDS_MAPPING, "kind": mapping.kind})
    upload.refresh_from_db()
    return upload


def _refuse(upload: Upload, actor: Actor, reason: str) -> Upload:
    upload_fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None, "reason": reason}],
                error_count=1, warnings=[], rows_total=0, stats={}, kind="", reason=reason)
    upload.refresh_from_db()
    return upload


def _streamed(start: bytes, kind: str | None) -> bool:
    """A sales file of plain text is read in chunks (forecasting/services/mapped_stream.py); a compressed
    file, a workbook or a Parquet file whole."""
    return kind == "sales" and start[:2] != b"\x1f\x8b" and start[:4] not in (b"PAR1", b"PK\x03\x04")


def mapped_process(upload: Upload, *, actor: Actor, limits: ParseLimits, started: float) -> Upload:
    try:
        if os.path.getsize(upload.file_path) > limits.max_bytes:
            read_raw(upload.file_path, limits.max_bytes)  # its FileError names the limit
        raw = file_start(upload.file_path)
        mapping, layout, proposal = _decide(upload, raw)
    except (FileError, FileFormatError, MappingError) as exc:
        return _refuse(upload, actor, str(exc))
    except UNREADABLE as exc:
        return _refuse(upload, actor, f"the file cannot be read as delimited text ({exc})")
    if mapping is None:
        return _ask(upload, proposal)
    kind = mapping.kind
    if kind not in READ_KINDS:
        return _refuse(upload, actor, f"a file of {kind or 'no known kind'} is not stored yet; sales, locations, "
                                      "items, covariates and events files are")
    if _streamed(raw, kind):
        result = ParseResult(kind="sales", ok=True, frame=None)
        result.stats = {"rows": 0, "format": "csv", "layout": layout, "mapped_kind": kind, "chunked": True}
        Upload.objects.filter(pk=upload.pk).update(mapping=mapping.as_json(), layout=layout[:40])
        prepare = _Prepare(upload=upload, mapping=mapping, kind=kind, actor=actor, stream=limits.max_rows)
        return upload_load(upload, actor=actor, result=result, started=started, parse_seconds=0.0, prepare=prepare)
    try:
        if len(raw) < os.path.getsize(upload.file_path):
            raw = read_raw(upload.file_path, limits.max_bytes)
        mapped = read_mapped(raw, mapping, max_decompressed=limits.max_decompressed_bytes)
    except FileFormatError as exc:
        return _refuse(upload, actor, str(exc))
    except UNREADABLE as exc:
        return _refuse(upload, actor, f"the file cannot be read as delimited text ({exc})")
    if mapped.rows > limits.max_rows:
        return _refuse(upload, actor, f"too many rows: {mapped.rows:,} (your plan reads up to "
                                      f"{limits.max_rows:,} per upload)")
    result = ParseResult(kind=_CANONICAL[kind], ok=not mapped.error_count, frame=mapped.frame,
                         errors=mapped.errors, error_count=mapped.error_count, warnings=[])
    result.rows_total = mapped.rows
    result.stats = {"rows": mapped.rows, "format": mapped.format, "layout": layout, "mapped_kind": kind}
    if not result.ok:
        upload_fail(upload, actor=actor, errors=result.errors, error_count=result.error_count, warnings=[],
                    rows_total=result.rows_total, stats=result.stats, kind=result.kind,
                    reason=result.errors[0]["reason"] if result.errors else "invalid file")
        upload.refresh_from_db()
        return upload
    Upload.objects.filter(pk=upload.pk).update(mapping=mapping.as_json(), layout=layout[:40])
    prepare = _Prepare(upload=upload, mapping=mapping, kind=kind, actor=actor)
    return upload_load(upload, actor=actor, result=result, started=started,
                       parse_seconds=time.monotonic() - started, prepare=prepare)


_CANONICAL = {"sales": "sales", "location_covariates": "features", "locations": "stores", "items": "items",
              "events": "events", **{k: "covariates" for k in COVARIATE_KINDS}}


class _Prepare:
    """Runs inside the load's transaction: codes -> ids, periods, the canonical frame."""

    def __init__(self, *, upload: Upload, mapping: Mapping, kind: str, actor: Actor, stream: int | None = None):
        self.upload, self.mapping, self.kind, self.actor = upload, mapping, kind, actor
        self.stream = stream  # a sales file read in chunks: the plan's row limit

    def __call__(self, result) -> LoadCounts | None:
        if self.stream is not None:
            return sales_stream(self, result, path=self.upload.file_path, max_rows=self.stream)
        frame, mapping = result.frame, self.mapping
        settings = data_settings_locked()
        if self.kind == "events":
            counts, result.warnings = events_store(frame, upload=self.upload, settings=settings, actor=self.actor)
            return counts
        ids = {side: self.ids(side, frame) for side in ("location", "item")
               if side in frame or (self.kind == "sales")}
        self.check_scope(frame, ids)
        if self.kind in COVARIATE_KINDS:  # a file of covariates by period only: stored by themselves
            freq = self.frequency(frame, settings)
            counts = covariates_store(canonical.covariates(frame, mapping, ids=ids, freq=freq))
            self.settle(settings, freq)
            return counts
        if self.kind in ("sales", "location_covariates"):
            freq = self.frequency(frame, settings)
            build = canonical.sales if self.kind == "sales" else canonical.location_covariates
            out = build(frame, mapping, ids=ids, freq=freq)
            skip = canonical.ENGINE_COVARIATES if self.kind == "location_covariates" else ()
            covariates_store(canonical.covariates(frame, mapping, ids=ids, freq=freq, skip=skip))
            result.frame = out.frame
            result.warnings = out.warnings
            self.settle(settings, freq)
            return None
        side = "location" if self.kind == "locations" else "item"
        rows = canonical.attributes(frame, side)
        model = _MODELS[side]
        stored = dict(model.objects.filter(id__in=ids[side].values()).values_list("id", "attrs"))
        # a file's attributes are added to what is stored (a later file without a column keeps its values)
        model.objects.bulk_update([model(id=ids[side][r["code"]], attrs={**stored.get(ids[side][r["code"]], {}),
                                                                          **r["attrs"]}) for r in rows],
                                  ["attrs"], batch_size=1000)
        if side == "location":
            result.frame = pd.DataFrame({
                "store": [ids["location"][r["code"]] for r in rows],
                "type": [str(r["attrs"].get("type", ""))[:10] or None for r in rows],
                "size": [r["attrs"]["size"] if isinstance(r["attrs"].get("size"), int) else None for r in rows],
                "name": None, "latitude": None, "longitude": None})
            return None
        return LoadCounts(inserted=0, updated=len(rows), unchanged=0)

    def ids(self, side: str, frame: pd.DataFrame) -> dict[str, int]:
        codes = set(frame[side].unique()) if side in frame else {canonical.IMPLICIT}
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE forecasting_{side} IN SHARE ROW EXCLUSIVE MODE")
        model = _MODELS[side]
        known = dict(model.objects.filter(code__in=codes).values_list("code", "id"))
        new = sorted(codes - set(known))
        if new:
            used = set(model.objects.values_list("id", flat=True))
            fresh = []
            for code in new:  # a number that is free keeps its value (Walmart-like codes stay their ids)
                number = int(code) if code.isdigit() and str(int(code)) == code and 0 < int(code) < 2 ** 31 else None
                if number is not None and number not in used:
                    known[code] = number
                    used.add(number)
                else:
                    fresh.append(code)
            next_id = max(used, default=0) + 1
            for code in fresh:
                known[code] = next_id
                next_id += 1
            model.objects.bulk_create([model(id=known[c], code=c, name="All" if c == canonical.IMPLICIT else "")
                                       for c in new], batch_size=1000)
        return known

    def check_scope(self, frame: pd.DataFrame, ids: dict) -> None:
        scope = upload_scope(self.upload)
        if not scope.restricted or "location" not in ids:
            return
        column = next(h for h, r in self.mapping.columns.items() if r == "location") if "location" in frame else None
        codes = frame["location"] if "location" in frame else pd.Series([canonical.IMPLICIT])
        bad = codes[~codes.map(ids["location"]).isin(sorted(scope.stores))]
        if len(bad):
            errors = [{"line": int(i) + 2, "column": column, "value": str(code),
                       "reason": f"location {code} is outside your access"} for i, code in bad.head(1000).items()]
            raise LoadRefused(errors, int(len(bad)))

    def frequency(self, frame: pd.DataFrame, settings: DataSettings) -> str:
        found = canonical.file_frequency(frame, self.mapping)
        workspace = settings.frequency or found
        if not workspace:
            raise LoadRefused([{"line": None, "column": None, "value": None, "reason":
                                "cannot tell the file's frequency from fewer than two dates: set the planning "
                                "frequency in Data settings first"}])
        try:
            canonical.check_frequency_fits(found, workspace)
        except canonical.FrequencyError as exc:
            raise LoadRefused([{"line": None, "column": None, "value": None, "reason": str(exc)}]) from None
        return workspace

    def settle(self, settings: DataSettings, freq: str) -> None:
        """The workspace's frequency, period label, key headers and whether codes are Walmart's numbers."""
        changes = {}
        if not settings.frequency:
            changes["frequency"] = freq
        if self.kind == "sales":
            headers = {r: h for h, r in self.mapping.columns.items() if r in ("location", "item")}
            changes.update(period_label=self.mapping.period_label,
                           location_header=headers.get("location", "Location"),
                           item_header=headers.get("item", "Item"))
            numeric = all(c.isdigit() and str(i) == c for m in (Location, Item)
                          for c, i in m.objects.values_list("code", "id"))
            changes["legacy_keys"] = numeric
        DataSettings.objects.filter(pk=1).update(**changes)
