"""The parts of a workspace export (tenants/export.py), contributed by the
apps that own the data: an app lists its parts in its AppConfig,
``export_parts = "<module>.<LIST>"`` (a dotted path to a list of
``ExportPart``), so the export reads every app's tables without importing
the apps. Parts are written in ``order`` (the archive's file order and its
manifest's)."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import import_string

from saas.csv_safe import csv_writer


@dataclass(frozen=True)
class ExportPart:
    name: str  # the file in the archive
    order: int
    write: Callable[[zipfile.ZipFile], int]  # writes the file; how many rows (or items) it holds


def export_parts() -> list[ExportPart]:
    parts = []
    for config in apps.get_app_configs():
        path = getattr(config, "export_parts", None)
        if path:
            parts.extend(import_string(path))
    return sorted(parts, key=lambda part: part.order)


def export_csv(zf: zipfile.ZipFile, name: str, header: list[str], rows: Iterable) -> int:
    count = 0
    with zf.open(name, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def export_values(qs, fields: list[str]):
    """The rows of ``qs`` as lists of ``fields``, read in chunks."""
    return (list(r) for r in qs.values_list(*fields).iterator(chunk_size=5000))
