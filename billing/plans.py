"""Plans and their quotas, in one place. Limits are read through
``billing.selectors`` and enforced by ``billing.services``, never from
ad-hoc constants."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

MB = 1024 * 1024


@dataclass(frozen=True)
class PlanLimits:
    max_members: int
    max_api_keys: int
    max_upload_bytes: int
    max_upload_rows: int
    max_trainings_per_day: int
    max_forecast_horizon: int  # weeks, for training and on-demand forecasts
    max_stored_rows: int  # rows kept of sales and covariates (store-week features, the retailer's own)
    max_storage_bytes: int  # uploaded files kept
    max_api_requests_per_minute: int  # per tenant (saas/api/throttling.py)
    max_api_requests_per_minute_per_client: int  # per API key or member
    max_simulations_per_day: int  # what-if simulations (the simulator reads it)
    features: frozenset[str] = field(default_factory=frozenset)


# the features a plan may include (``billing.services.feature_require``)
FEATURES = {
    "store_scopes": "Store-scoped access for members and API keys",
    "branding": "Workspace branding (name, logo, accent colour)",
    "custom_domain": "A custom domain for the workspace",
}

# cheapest first: "the plan that lifts a limit" is the first one after the current
PLANS: dict[str, PlanLimits] = {
    "free": PlanLimits(max_members=5, max_api_keys=3, max_upload_bytes=50 * MB, max_upload_rows=500_000,
                       max_trainings_per_day=10, max_forecast_horizon=26, max_stored_rows=1_000_000,
                       max_storage_bytes=500 * MB, max_api_requests_per_minute=120,
                       max_api_requests_per_minute_per_client=60, max_simulations_per_day=20),
    "pro": PlanLimits(max_members=50, max_api_keys=20, max_upload_bytes=200 * MB, max_upload_rows=2_000_000,
                      max_trainings_per_day=50, max_forecast_horizon=52, max_stored_rows=10_000_000,
                      max_storage_bytes=10 * 1024 * MB, max_api_requests_per_minute=600,
                      max_api_requests_per_minute_per_client=300, max_simulations_per_day=500, features=frozenset({"store_scopes", "branding"})),
    "enterprise": PlanLimits(max_members=1000, max_api_keys=200, max_upload_bytes=1024 * MB,
                             max_upload_rows=20_000_000, max_trainings_per_day=500, max_forecast_horizon=52,
                             max_stored_rows=200_000_000, max_storage_bytes=200 * 1024 * MB,
                             max_api_requests_per_minute=3000, max_api_requests_per_minute_per_client=1500,
                             max_simulations_per_day=10_000,
                             features=frozenset(FEATURES)),
}
PLAN_CHOICES = [(name, name.title()) for name in PLANS]


def plan_limits(plan: str) -> PlanLimits:
    return PLANS.get(plan, PLANS["free"])


def plan_limits_dict(plan: str) -> dict:
    return asdict(plan_limits(plan))


# ------------------------------------------------------------------ prices
CURRENCY = "USD"


@dataclass(frozen=True)
class Overage:
    """Beyond ``included`` units of ``meter`` in a month, ``price`` per block
    of ``per`` units (a started block counts whole)."""

    meter: str  # a key of billing.metering.METERS (training_minutes: derived)
    included: int
    per: int
    price: Decimal


@dataclass(frozen=True)
class PlanPrice:
    monthly: Decimal
    overages: tuple[Overage, ...]


def _overages(api: int, rows: int, minutes: int, forecasts: int, sims: int, scale: Decimal) -> tuple[Overage, ...]:
    return (Overage("api_requests", api, 1000, Decimal("0.50") * scale),
            Overage("rows_ingested", rows, 100_000, Decimal("2.00") * scale),
            Overage("training_minutes", minutes, 1, Decimal("0.10") * scale),
            Overage("forecasts_served", forecasts, 1000, Decimal("1.00") * scale),
            Overage("simulations", sims, 1, Decimal("0.05") * scale))


PRICES: dict[str, PlanPrice] = {
    "free": PlanPrice(Decimal("0.00"), _overages(50_000, 1_000_000, 120, 10_000, 200, Decimal("1"))),
    "pro": PlanPrice(Decimal("299.00"), _overages(1_000_000, 20_000_000, 3_000, 500_000, 10_000, Decimal("0.8"))),
    "enterprise": PlanPrice(Decimal("1999.00"),
                            _overages(20_000_000, 400_000_000, 30_000, 10_000_000, 200_000, Decimal("0.5"))),
}


def plan_price(plan: str) -> PlanPrice:
    return PRICES.get(plan, PRICES["free"])
