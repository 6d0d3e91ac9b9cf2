"""Writes of the workspace's catalogue and data settings (issue 17).

* ``catalog_register`` (inside an upload's load transaction): every store and
  department of a loaded frame becomes a location and an item (id = its number,
  code = the number as text: Walmart's layout), a stores file's type, size, name
  and coordinates become the location's attributes, and the first sales upload
  sets the planning frequency from its weekday. Idempotent: ``ON CONFLICT``.
* ``data_settings_update`` (admins): validates (forecasting/ingest/data_settings.py),
  writes the one row and audits ``data_settings.update`` with the changed fields."""
from __future__ import annotations

import json

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.ingest.data_settings import settings_clean
from forecasting.ingest.mapping.roles import MappingError, parse_mapping
from forecasting.ml.periods import WEEKDAYS
from forecasting.models import CovariateSpec, DataSettings, Layout, SalesRecord
from saas.errors import NotFound, ValidationFailed

_INSERT = {
    "location": "INSERT INTO forecasting_location (id, code, name, attrs, created_at) "
                "SELECT n, n::text, '', '{}'::jsonb, now() FROM unnest(%s::int[]) AS n ON CONFLICT DO NOTHING",
    "item": "INSERT INTO forecasting_item (id, code, name, attrs, created_at) "
            "SELECT n, n::text, '', '{}'::jsonb, now() FROM unnest(%s::int[]) AS n ON CONFLICT DO NOTHING",
}
_STORE_ATTRS = ("type", "size", "latitude", "longitude")


def _attrs(row) -> dict:
    out = {}
    for name in _STORE_ATTRS:
        value = row.get(name)
        if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
            continue
        out[name] = int(value) if name == "size" else (float(value) if name != "type" else str(value))
    return out


def _name(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def catalog_register(*, kind: str, frame: pd.DataFrame) -> None:
    """Inside the caller's transaction, after ``frame`` was loaded."""
    with connection.cursor() as cur:
        cur.execute(_INSERT["location"], [sorted(int(s) for s in frame["store"].unique())])
        if "dept" in frame:
            cur.execute(_INSERT["item"], [sorted(int(d) for d in frame["dept"].unique())])
        if kind == "stores":
            rows = [{"id": int(row["store"]), "attrs": _attrs(row), "name": _name(row.get("name"))}
                    for row in frame.to_dict("records")]
            cur.execute("UPDATE forecasting_location AS l SET attrs = l.attrs || v.attrs, "
                        "name = CASE WHEN v.name = '' THEN l.name ELSE v.name END "
                        "FROM jsonb_to_recordset(%s::jsonb) AS v(id int, attrs jsonb, name text) WHERE l.id = v.id",
                        [json.dumps(rows)])
    if kind == "sales" and len(frame):
        weekday = WEEKDAYS[pd.Timestamp(frame["date"].max()).weekday()]
        DataSettings.objects.get_or_create(pk=1)
        DataSettings.objects.filter(pk=1, frequency="").update(frequency=f"W-{weekday}")


def data_settings_locked() -> DataSettings:
    """The workspace's row, created if missing and locked for the caller's transaction."""
    DataSettings.objects.get_or_create(pk=1)
    return DataSettings.objects.select_for_update(no_key=True).get(pk=1)


def data_settings_update(*, actor: Actor, changes: dict) -> DataSettings:
    """Apply ``changes`` (field -> value; fields left out keep their value).
    Bad input: ``ValidationFailed`` naming every bad field, nothing written."""
    changes = dict(changes)
    levers = changes.pop("levers", None)
    with transaction.atomic():
        current = data_settings_locked()
        cleaned, errors = settings_clean(changes, current={
            "country": current.country, "frequency": current.frequency, "subdivision": current.subdivision})
        lever_change, lever_error = _levers_clean(levers)
        if lever_error:
            errors["levers"] = [lever_error]
        if errors:
            first = next(iter(errors))
            raise ValidationFailed(f"{first}: {errors[first][0]}", details=errors)
        current_levers = sorted(CovariateSpec.objects.filter(lever=True).values_list("name", flat=True))
        if lever_change is not None and lever_change != current_levers:  # sent back as read: no change
            CovariateSpec.objects.update(lever=False)
            CovariateSpec.objects.filter(name__in=lever_change).update(lever=True)
            audit_record(action="data_settings.update", actor=actor, target_type="data_settings", target_id=1,
                         payload={"levers": sorted(lever_change)})
        changed = {k: v for k, v in cleaned.items() if getattr(current, k) != v}
        if "frequency" in changed and SalesRecord.objects.exists():
            raise ValidationFailed("frequency: your sales are stored by it already", details={"frequency": [
                f"your sales are stored by {current.frequency}: the planning frequency follows them"]})
        if not changed:
            return current
        for name, value in changed.items():
            setattr(current, name, value)
        current.updated_at = timezone.now()
        current.save()
        audit_record(action="data_settings.update", actor=actor, target_type="data_settings", target_id=1,
                     payload=changed)
    return current


def _levers_clean(levers) -> tuple[list[str] | None, str | None]:
    """(the covariates to offer as simulator levers, or None for no change; an error)."""
    if levers is None:
        return None, None
    known = set(CovariateSpec.objects.filter(kind=CovariateSpec.Kind.KNOWN).values_list("name", flat=True))
    if not isinstance(levers, list) or not all(isinstance(n, str) for n in levers):
        return None, "a list of covariate names"
    bad = sorted(set(levers) - known)
    if bad:
        return None, (f"{bad[0]} is not a covariate known ahead: levers are among "
                      f"{', '.join(sorted(known)) or 'none yet (upload a file with a known covariate)'}")
    return sorted(set(levers)), None


def layouts_update(*, actor: Actor, changes: list[dict]) -> None:
    """Rename, re-map (checked against the layout's own header) or forget saved layouts, each audited
    ``layout.update`` / ``layout.delete``; any bad entry and nothing changes."""
    with transaction.atomic():
        for i, change in enumerate(changes):
            layout = Layout.objects.select_for_update(no_key=True).filter(pk=change["id"]).first()
            if layout is None:
                raise NotFound(f"No layout {change['id']}.", code="layout_not_found", details={f"{i}.id": change["id"]})
            if change.get("delete"):
                layout.delete()
                audit_record(action="layout.delete", actor=actor, target_type="layout", target_id=change["id"],
                             payload={"header": layout.header})
                continue
            fields = {}
            if "name" in change and change["name"] != layout.name:
                fields["name"] = change["name"]
            if "mapping" in change and change["mapping"] != layout.mapping:
                try:
                    fields["mapping"] = parse_mapping(change["mapping"], header=layout.header).as_json()
                except MappingError as exc:
                    raise ValidationFailed(f"layout {layout.pk}: {exc}", details={
                        f"{i}.mapping.{k}": v for k, v in exc.details.items()}) from None
            if not fields:
                continue
            Layout.objects.filter(pk=layout.pk).update(**fields, updated_at=timezone.now())
            audit_record(action="layout.update", actor=actor, target_type="layout", target_id=layout.pk,
                         payload=fields)
