from django.db import connection

from accounts.selectors import active_api_key_count, active_member_count
from billing.plans import PlanLimits, plan_limits


def plan_usage() -> tuple[PlanLimits, dict]:
    """The current tenant's plan limits and what it uses of them."""
    return plan_limits(connection.tenant.plan), {"members": active_member_count(),
                                                 "api_keys": active_api_key_count()}
