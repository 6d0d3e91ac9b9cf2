"""The retailer's events (issue 17 item 4): an events file's rows stored, inside the upload's one
transaction (forecasting/services/mapped_uploads.py). A row per day, name and scope, stored again with
the same key it is updated, not doubled (a file uploaded twice changes nothing). A scope naming the
country is national; when the workspace has no country yet, the country a file names becomes it (its
public holidays count too, from the ``holidays`` library). A scope that matches no location, attribute
value or the country is kept and reported: it applies nowhere until such a location exists."""
from __future__ import annotations

import pandas as pd
from django.db.models import Q
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.roles import has_perm
from forecasting.ml.events import NATIONAL, country_code, country_names, retailer_events
from forecasting.models import DataSettings, Event, Location, Upload
from forecasting.services.upload_loading import LoadCounts
from forecasting.services.upload_outcome import LoadRefused
from forecasting.services.upload_scope import upload_scope

SCOPE_MAX = Event._meta.get_field("scope").max_length
NAME_MAX = Event._meta.get_field("name").max_length


def location_scopes() -> set[str]:
    """Every value a scope may name: the locations' codes and their attributes' values."""
    values = set()
    for code, attrs in Location.objects.values_list("code", "attrs"):
        values.add(code)
        values.update(str(v) for v in (attrs or {}).values())
    return values


def _sender_role(upload: Upload) -> str | None:
    if upload.created_by_key is not None:
        return upload.created_by_key.effective_role
    return upload.created_by.role if upload.created_by is not None else "owner"  # no sender: the system


def events_store(frame: pd.DataFrame, *, upload: Upload, settings: DataSettings,
                 actor: Actor) -> tuple[LoadCounts, list[str]]:
    """Inside the caller's transaction (``settings`` locked): (counts, warnings). Events change every
    store's forecast: a store-restricted sender's file is refused. The country a file names is set only
    for a sender who may change the data settings (audited as theirs); others are told to ask an admin."""
    if upload_scope(upload).restricted:
        raise LoadRefused([{"line": None, "column": None, "value": None, "reason":
                            "an events file applies to every store: your access is limited to some stores, "
                            "so ask an admin to upload it"}])
    known = location_scopes()
    raw = frame["event.scope"].astype(str).str.strip() if "event.scope" in frame else pd.Series(dtype=str)
    countries = set(country_names(settings.country))
    warnings = []
    if not settings.country:  # a scope naming a country in words (Favorita: "Ecuador"), never a code
        named = {code for code in (country_code(v, names_only=True) for v in set(raw) - known) if code}
        if len(named) == 1 and not has_perm(_sender_role(upload), "data.configure"):
            warnings.append(f"The file names the country {named.pop()}: an admin can set it in Data settings "
                            "(its public holidays then count, and its events are national).")
        elif len(named) == 1:
            settings.country = named.pop()
            DataSettings.objects.filter(pk=1).update(country=settings.country, updated_at=timezone.now())
            audit_record(action="data_settings.update", actor=actor, target_type="data_settings", target_id=1,
                         payload={"country": settings.country, "from_upload": upload.pk})
            countries = set(country_names(settings.country))
            warnings.append(f"The workspace's country is now {settings.country}: its public holidays count "
                            "as national events too (Data settings).")
    events = retailer_events(frame, country_names=countries)
    events["name"] = events["name"].str.slice(0, NAME_MAX)
    events["scope"] = events["scope"].str.slice(0, SCOPE_MAX)
    events = events.drop_duplicates(["date", "name", "scope"])
    nowhere = sorted(set(events["scope"]) - known - {NATIONAL})
    if nowhere:
        warnings.append(f"{len(nowhere):,} scope(s) match no location, attribute value or the country and "
                        f"apply nowhere for now: {', '.join(nowhere[:10])}{'…' if len(nowhere) > 10 else ''}.")
    stored = _stored(events)
    rows = [Event(date=r.date, name=r.name, kind=r.kind[:40] or "event", scope=r.scope, upload=upload)
            for r in events.itertuples(index=False)]
    new = [e for e in rows if (e.date, e.name, e.scope) not in stored]
    changed = [e for e in rows if (e.date, e.name, e.scope) in stored and stored[(e.date, e.name, e.scope)] != e.kind]
    Event.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                              unique_fields=["date", "name", "scope"], update_fields=["kind"])
    return LoadCounts(inserted=len(new), updated=len(changed), unchanged=len(rows) - len(new) - len(changed)), warnings


def _stored(events: pd.DataFrame) -> dict:
    if not len(events):
        return {}
    lo, hi = events["date"].min(), events["date"].max()
    names = set(events["name"])
    q = Event.objects.filter(Q(date__gte=lo) & Q(date__lte=hi), name__in=names)
    return {(d, n, s): k for d, n, s, k in q.values_list("date", "name", "scope", "kind")}
