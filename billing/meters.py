"""Every metered quantity, in one place: UsageDay has one column per meter,
the Usage page and API show them, statements price some of them
(billing/plans.py PRICES)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meter:
    label: str  # plain words, after the number
    kind: str = "counter"  # counter: summed over days; gauge: measured, the month's peak is billed
    unit: str = ""


# every metered quantity, in one place (UsageDay has one column per meter)
METERS: dict[str, Meter] = {
    "api_requests": Meter("API requests"),
    "rows_ingested": Meter("rows ingested", unit="rows"),
    "rows_stored": Meter("rows stored", kind="gauge", unit="rows"),
    "storage_bytes": Meter("of stored uploads", kind="gauge", unit="bytes"),
    "trainings": Meter("trainings"),
    "training_seconds": Meter("seconds of training", unit="seconds"),
    "forecasts_served": Meter("forecasts served"),
    "simulations": Meter("simulations"),
}
COUNTERS = [name for name, meter in METERS.items() if meter.kind == "counter"]
