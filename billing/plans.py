"""Plans and their quotas, in one place. Later features read limits from here
(``plan_limits(tenant.plan)``), never from ad-hoc constants."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PlanLimits:
    max_members: int
    max_api_keys: int
    max_upload_bytes: int
    max_upload_rows: int
    max_trainings_per_day: int
    max_forecast_horizon: int


PLANS: dict[str, PlanLimits] = {
    "free": PlanLimits(max_members=5, max_api_keys=3, max_upload_bytes=50 * 1024 * 1024,
                       max_upload_rows=500_000, max_trainings_per_day=10, max_forecast_horizon=26),
    "pro": PlanLimits(max_members=50, max_api_keys=20, max_upload_bytes=200 * 1024 * 1024,
                      max_upload_rows=2_000_000, max_trainings_per_day=50, max_forecast_horizon=52),
    "enterprise": PlanLimits(max_members=1000, max_api_keys=200, max_upload_bytes=1024 * 1024 * 1024,
                             max_upload_rows=20_000_000, max_trainings_per_day=500, max_forecast_horizon=52),
}
PLAN_CHOICES = [(name, name.title()) for name in PLANS]


def plan_limits(plan: str) -> PlanLimits:
    return PLANS.get(plan, PLANS["free"])


def plan_limits_dict(plan: str) -> dict:
    return asdict(plan_limits(plan))
