"""The roles a column of a retailer's file can play, and the mapping of a file's columns to them
(issue 17, item 5; the JSON shape is the API contract of ``POST /api/v1/uploads/``'s ``mapping``).

Roles: ``location``, ``item``, ``date``, ``measure``, ``location.<attr>``, ``item.<attr>``,
``covariate:<name>:known|past``, ``open``, ``event``, ``ignore``; in an events file also
``event.scope`` (national, an attribute value such as a state or a city, or a location code),
``event.kind`` and ``event.transferred`` (true: not observed on that date, as in Favorita's file). The kind of a file follows from its
roles: ``sales`` (a measure), ``locations`` / ``items`` (attributes, no date), ``calendar`` (a date and
covariates, no measure), ``events`` (event names with dates). Pure Python, no Django."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

SINGLE_ROLES = ("location", "item", "date", "measure", "open", "event",  # at most one column each
                "event.scope", "event.kind", "event.transferred")
PLAIN_ROLES = (*SINGLE_ROLES, "ignore")
COVARIATE_KINDS = ("known", "past")
DECIMALS = (".", ",")
DELIMITERS = (",", ";", "\t", "|")
PERIOD_LABELS = ("start", "end")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # attribute and covariate names: snake_case, <= 63 characters
DATE_FORMAT_RE = re.compile(r"^(?:[^%]|%[dmyYbBHMS%])*%[dmyYbB](?:[^%]|%[dmyYbBHMS%])*$")


class MappingError(ValueError):
    """A mapping that cannot be used: ``details`` names each field and why (the API's error details)."""

    def __init__(self, message: str, details: dict[str, list[str]]):
        super().__init__(message)
        self.details = details


def role_error(role: object) -> str | None:
    """Why ``role`` is not a role (None: it is one)."""
    if not isinstance(role, str):
        return "A role is a text such as 'location', 'item.category' or 'covariate:price:known'."
    if role in PLAIN_ROLES:
        return None
    prefix, _, name = role.partition(".")
    if prefix in ("location", "item") and name:
        return None if NAME_RE.match(name) else f"'{name}' is not an attribute name (lower case, digits, _)."
    parts = role.split(":")
    if parts[0] == "covariate":
        if len(parts) != 3 or parts[2] not in COVARIATE_KINDS:
            return "A covariate's role is 'covariate:<name>:known' or 'covariate:<name>:past'."
        return None if NAME_RE.match(parts[1]) else f"'{parts[1]}' is not a covariate name (lower case, digits, _)."
    return (f"'{role}' is not a role: use location, item, date, measure, open, event, ignore, "
            "location.<attribute>, item.<attribute> or covariate:<name>:known|past.")


@dataclass
class Mapping:
    columns: dict[str, str]  # header as in the file -> role
    decimal: str = "."
    delimiter: str | None = None  # None: sniffed
    date_format: str | None = None  # None: ISO 8601 (or sniffed)
    period_label: str = "start"  # a period's date is its first day ("start") or its last ("end")
    notes: list[str] = field(default_factory=list, compare=False)  # why each guess was made (not sent)

    def as_json(self) -> dict:
        return {"columns": dict(self.columns), "decimal": self.decimal, "delimiter": self.delimiter,
                "date_format": self.date_format, "period_label": self.period_label}

    def columns_of(self, role: str) -> list[str]:
        return [h for h, r in self.columns.items() if r == role]

    def roles(self) -> set[str]:
        return set(self.columns.values())

    @property
    def kind(self) -> str | None:
        """sales, locations, items, events, calendar, location_covariates, item_covariates or
        series_covariates (a promotion plan by series and period); None when
        the roles make no file the product reads."""
        roles = self.roles()
        keys = roles & {"location", "item"}
        attrs = {r.split(".")[0] for r in roles if "." in r and not r.startswith(("covariate:", "event."))}
        covariates = any(r.startswith("covariate:") for r in roles)
        if "measure" in roles:
            return "sales" if "date" in roles and keys else None
        if "date" not in roles:
            if len(keys) == 1 and attrs <= keys and not covariates and "event" not in roles:
                return f"{next(iter(keys))}s"
            return None
        if covariates:  # a holiday flag beside them (Walmart's features file) marks the periods
            return {frozenset(): "calendar", frozenset({"location"}): "location_covariates",
                    frozenset({"item"}): "item_covariates",
                    frozenset({"location", "item"}): "series_covariates"}.get(frozenset(keys))
        if "event" in roles:
            return "events"
        return None


def parse_mapping(obj: object, header: list[str] | None = None) -> Mapping:
    """A mapping from its JSON form (the API's ``mapping`` field), checked field by field and, with
    ``header``, against the file's own columns. Raises ``MappingError`` naming every bad field."""
    if not isinstance(obj, dict):
        raise MappingError("The mapping is a JSON object.", {"mapping": ["Send an object with 'columns'."]})
    details: dict[str, list[str]] = {}
    unknown = sorted(set(obj) - {"columns", "decimal", "delimiter", "date_format", "period_label"})
    for key in unknown:
        details[key] = ["Unknown field."]
    columns = obj.get("columns")
    if not isinstance(columns, dict) or not columns:
        details["columns"] = ["An object of the file's headers and their roles."]
        columns = {}
    for header_name, role in columns.items():
        reason = role_error(role)
        if reason:
            details[f"columns.{header_name}"] = [reason]
    for role in SINGLE_ROLES:
        used = [h for h, r in columns.items() if r == role]
        if len(used) > 1:
            details.setdefault("columns", []).append(f"Only one column can be '{role}': {', '.join(used)}.")
    if header is not None:
        missing = [h for h in columns if h not in header]
        if missing:
            details.setdefault("columns", []).append(f"Not in the file: {', '.join(missing)}.")
        unmapped = [h for h in header if h not in columns]
        if unmapped:
            details.setdefault("columns", []).append(
                f"Give every column a role ('ignore' to skip it): {', '.join(unmapped)}.")
    checks = (("decimal", DECIMALS, "."), ("period_label", PERIOD_LABELS, "start"))
    for key, allowed, _ in checks:
        if key in obj and obj[key] not in allowed:
            details[key] = [f"One of {', '.join(map(repr, allowed))}."]
    if obj.get("delimiter") is not None and obj["delimiter"] not in DELIMITERS:
        details["delimiter"] = ["null (sniffed), ',', ';', a tab or '|'."]
    date_format = obj.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or not DATE_FORMAT_RE.match(date_format)):
        details["date_format"] = ["null (ISO 8601) or a strftime pattern such as '%d.%m.%Y'."]
    if details:
        first = next(iter(details.items()))
        raise MappingError(f"{first[0]}: {first[1][0]}", details)
    mapping = Mapping(columns=dict(columns), decimal=obj.get("decimal", "."), delimiter=obj.get("delimiter"),
                      date_format=date_format, period_label=obj.get("period_label", "start"))
    if mapping.kind is None:
        raise MappingError("These roles make no file the product reads.", {"columns": [
            "Sales need a date, a measure and a location or an item; a locations or items file has their "
            "attributes and no date; a calendar has a date and covariates; an events file a date and an event."]})
    return mapping
