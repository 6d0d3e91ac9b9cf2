"""The role/permission matrix, defined once. Web views (``role_required``) and
the API base class (``saas.api.base.TenantAPIMixin``) both read it."""
from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


# the roles an API key may carry (never "owner")
API_KEY_ROLES = (Role.ADMIN, Role.ANALYST, Role.VIEWER)
API_KEY_ROLE_CHOICES = [(r.value, r.label) for r in API_KEY_ROLES]
# roles ordered from most to least privileged
ROLE_RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.ANALYST: 2, Role.VIEWER: 1}

_ALL = frozenset(Role)
_ANALYST_UP = frozenset({Role.OWNER, Role.ADMIN, Role.ANALYST})
_ADMIN_UP = frozenset({Role.OWNER, Role.ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "workspace.view": _ALL,          # dashboard, /me, API docs
    "members.view": _ADMIN_UP,
    "members.manage": _ADMIN_UP,
    "api_keys.manage": _ADMIN_UP,
    "audit.view": _ADMIN_UP,
    "billing.view": _ADMIN_UP,
    "billing.manage": frozenset({Role.OWNER}),
    "data.view": _ALL,
    "data.upload": _ANALYST_UP,
    "data.configure": _ADMIN_UP,     # data settings: country, holidays, the workspace's words (issue 17)
    "models.view": _ALL,
    "models.train": _ANALYST_UP,
    "models.manage": _ADMIN_UP,      # promote / rollback
    "retraining.view": _ANALYST_UP,  # the retraining policy (issue 8)
    "retraining.manage": _ADMIN_UP,
    "forecasts.view": _ALL,
    "forecasts.override": _ANALYST_UP,  # a planner's overrides of the served forecast (issue 19)
    "plans.submit": _ANALYST_UP,       # submit the forecast with its overrides for approval
    "plans.approve": _ADMIN_UP,        # approve it: the workspace's plan
    "exceptions.answer": _ANALYST_UP,  # accept or dismiss a row of the exceptions worklist
    "simulations.run": _ALL,         # the promotion what-if (issue 9's contract: viewer+)
    "simulations.save": _ANALYST_UP,  # save a what-if as a named scenario (audited)
    "workspace.manage": frozenset({Role.OWNER}),  # export all data, delete the workspace
}


def has_perm(role: str | None, perm: str) -> bool:
    if perm not in PERMISSIONS:
        raise KeyError(f"unknown permission {perm!r}")
    return role is not None and role in PERMISSIONS[perm]


def perms_for(role: str | None) -> set[str]:
    return {perm for perm, roles in PERMISSIONS.items() if role in roles}


def can_assign(actor_role: str, target_role: str) -> bool:
    """Admins manage admins and below; only owners create or demote owners."""
    if actor_role == Role.OWNER:
        return True
    return actor_role == Role.ADMIN and target_role != Role.OWNER


def capped_role(role: str, cap: str) -> str:
    """``role``, lowered to ``cap`` when it ranks above it (an API key acts
    with at most its creator's current role)."""
    return role if ROLE_RANK[role] <= ROLE_RANK[cap] else cap
