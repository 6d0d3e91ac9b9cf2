"""Stock on hand (``Store,Dept,OnHand``), from which the inventory targets of the
Insights page give the quantity to order (forecasting/selectors/insights.py). Store and Dept are the
retailer's location and item codes (``ST-001``, ``SKU-10001``, any case; Walmart's numbers are its codes).
An upload is checked whole first: any bad row refuses it with every error
(row, field, reason) and nothing stored changes; a good one replaces the stock
of the uploader's stores in one transaction with its audit event."""
from __future__ import annotations

import csv
import math

from django.db import transaction

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from forecasting.models import Item, Location, OnHandStock
from saas.errors import ValidationFailed
from saas.files import file_text

COLUMNS = {"store": "Store", "dept": "Dept", "onhand": "OnHand"}
MAX_ROWS = 200_000
MAX_ERRORS = 100
MAX_STOCK = 1e12
MAX_LINE = 1 << 20  # characters


def _not_text(message: str, reason: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_file",
                            details={"errors": [{"row": None, "field": None, "reason": reason}]})


def _lines(text):
    """The file's lines as they are read and decoded, refusing NUL bytes, bytes that are not UTF-8 and a
    line longer than MAX_LINE (memory stays bounded by a line, whatever the file's size)."""
    try:
        for line in iter(lambda: text.readline(MAX_LINE + 1), ""):
            if len(line) > MAX_LINE:
                raise _not_text(f"The file is not CSV text (a line is longer than {MAX_LINE // 1024:,} KB).",
                                "a line too long")
            if "\x00" in line:
                raise _not_text("The file is not CSV text (it holds NUL bytes).", "not CSV text")
            yield line
    except UnicodeDecodeError:
        raise _not_text("The file is not UTF-8 text.", "not UTF-8 text")


def _codes(model) -> dict[str, int]:
    """A code (any case) -> its id."""
    return {code.lower(): i for i, code in model.objects.values_list("id", "code")}


def _member(cell: str, codes: dict[str, int]) -> int:
    """A Store or Dept cell -> its id: the retailer's code, else a number (a workspace without a catalogue)."""
    if cell.lower() in codes:
        return codes[cell.lower()]
    n = int(cell)
    if n < 1 or n > 1_000_000:
        raise ValueError
    return n


def _parse(file, scope: StoreScope) -> tuple[list[OnHandStock], list[dict]]:
    # streamed within the plan's upload limit (saas/files.py): 413 quota_exceeded past it
    reader = csv.reader(_lines(file_text(file)))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not readable CSV: {exc}.", code="invalid_file",
                               details={"errors": [{"row": 1, "field": None, "reason": str(exc)}]})
    names = [h.strip().lower().replace("_", "").replace(" ", "") for h in header or []]
    missing = [label for key, label in COLUMNS.items() if key not in names]
    if missing:
        raise ValidationFailed(f"The header must name the columns Store,Dept,OnHand (missing: {', '.join(missing)}).",
                               code="invalid_header",
                               details={"errors": [{"row": 1, "field": m, "reason": "missing column"} for m in missing]})
    at = {key: names.index(key) for key in COLUMNS}
    codes = {"store": _codes(Location), "dept": _codes(Item)}
    rows, errors, seen = [], [], {}
    for line, raw in enumerate(_rows_of(reader), start=2):
        if isinstance(raw, csv.Error):
            errors.append({"row": line, "field": None, "reason": f"unreadable CSV: {raw}"})
            break
        if not any(c.strip() for c in raw):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append({"row": line, "field": None, "reason": f"more than {MAX_ROWS:,} rows"})
            break
        cell = {key: (raw[i].strip() if i < len(raw) else "") for key, i in at.items()}
        bad = len(errors)
        vals = {}
        for key in ("store", "dept"):
            try:
                vals[key] = _member(cell[key], codes[key])
            except ValueError:
                errors.append({"row": line, "field": COLUMNS[key], "value": cell[key][:50],
                               "reason": f"no {'location' if key == 'store' else 'item'} has this code"})
        try:
            vals["on_hand"] = float(cell["onhand"])
            if not math.isfinite(vals["on_hand"]) or not 0 <= vals["on_hand"] <= MAX_STOCK:
                raise ValueError
        except ValueError:
            errors.append({"row": line, "field": "OnHand", "value": cell["onhand"][:50],
                           "reason": "a number of units, 0 or more"})
        if len(errors) == bad:
            key = (vals["store"], vals["dept"])
            if not scope.allows(vals["store"]):
                errors.append({"row": line, "field": "Store", "value": cell["store"][:50],
                               "reason": "not one of your stores"})
            elif key in seen:
                errors.append({"row": line, "field": "Dept", "value": cell["dept"][:50],
                               "reason": f"{cell['store']} / {cell['dept']} already given on row {seen[key]}"})
            else:
                seen[key] = line
                rows.append(OnHandStock(store=key[0], dept=key[1], on_hand=vals["on_hand"]))
    return rows, errors


def _rows_of(reader):
    """The reader's rows, stopping at a line the csv module cannot read (reported by the caller)."""
    try:
        yield from reader
    except csv.Error as exc:
        yield exc


def on_hand_upload(*, actor: Actor, scope: StoreScope, file, filename: str = "") -> dict:
    """Replace the stock on hand of the scope's stores with the uploaded ``file``'s rows (all or nothing),
    read through the one guarded reader (saas/files.py)."""
    rows, errors = _parse(file, scope)
    if errors:
        raise ValidationFailed(f"{len(errors):,} row error(s); nothing was stored. First: row {errors[0]['row']}, "
                               f"{errors[0]['field']}: {errors[0]['reason']}.", code="invalid_rows",
                               details={"errors": errors[:MAX_ERRORS], "error_count": len(errors)})
    if not rows:
        raise ValidationFailed("The file has no rows.", code="empty_file",
                               details={"errors": [{"row": 2, "field": None, "reason": "no rows"}]})
    with transaction.atomic():
        replaced = scope.filter(OnHandStock.objects.all()).delete()[0]
        OnHandStock.objects.bulk_create(rows)
        audit_record(action="inventory.on_hand_uploaded", actor=actor, target_type="on_hand",
                     payload={"filename": filename[:200], "rows": len(rows), "replaced": replaced,
                              "stores": len({r.store for r in rows})})
    return {"rows": len(rows), "replaced": replaced, "stores": len({r.store for r in rows})}
