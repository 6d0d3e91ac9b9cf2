"""Setting which stores a member or an API key may see (see accounts/scope.py).
Keyword-only, one transaction each, the audit event inside it.

The one rule of who may change a scope, for members and keys alike
(``scope_change_check``, ``new_key_stores``, ``role_scope_check``):

* Only an unrestricted principal (an owner or admin member, or a key acting for
  one, whose own scope is every store) changes a scope: a store-restricted
  principal, member or key, never widens one, its own or a new key's (403
  ``scope_restricted``), where its role would allow the route.
* Owners and admins, members and keys alike, are never restricted (400
  ``scope_not_allowed``): they invite members, create keys and set scopes, so a
  restriction on them would not hold. A restricted member is not promoted to
  admin or owner until her restriction is lifted.
* A new key inherits its creating principal's restriction (a key made by a key
  belongs to that key's creator, whose current scope caps it anyway,
  ``StoreScope.for_principal``); a restricted principal makes no admin key.
"""
from __future__ import annotations

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import Actor, audit_record
from accounts.models import ApiKey, KeyStoreScope, User
from accounts.roles import Role
from accounts.scope import STORE_PERM, StoreScope, member_store_numbers
from billing.services import requires_feature
from forecasting.models import Location, SalesRecord, Store
from saas.errors import Forbidden, NotFound, ValidationFailed

_PERM = f"forecasting.{STORE_PERM}"
# roles that manage members, keys and scopes: never store-restricted
UNRESTRICTED_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def actor_scope(actor: Actor) -> StoreScope:
    """The store scope an actor acts with (a key's is capped by its creator's)."""
    if actor.kind == "key":
        return StoreScope.for_principal(actor.api_key)
    if actor.kind == "user":
        return StoreScope.for_principal(actor.user)
    if actor.kind == "system":
        return StoreScope.all()  # provisioning, CLI: no request behind it
    raise ValueError(f"unknown actor kind {actor.kind!r}")


def _refuse_restricted(scope: StoreScope, what: str) -> None:
    raise Forbidden(f"Your access is restricted to some stores: you cannot {what}. "
                    "Ask an owner or an admin who sees every store.",
                    code="scope_restricted", details={"stores": scope.as_list()})


def role_scope_check(*, role: str, stores, what: str) -> None:
    """Owners and admins (members and keys) see every store: 400 ``scope_not_allowed``
    when ``stores`` would restrict one."""
    if stores and role in UNRESTRICTED_ROLES:
        raise ValidationFailed(f"Owners and admins see every store: {what}.", code="scope_not_allowed",
                               details={"role": [role]})


def scope_change_check(*, actor: Actor, role: str, stores) -> None:
    """May ``actor`` set the stores of a member or key of ``role`` to ``stores``?
    Only an unrestricted actor changes a scope; owners and admins are never restricted."""
    scope = actor_scope(actor)
    if scope.restricted:
        _refuse_restricted(scope, "change which stores a member or key sees")
    role_scope_check(role=role, stores=stores, what="restrict an analyst or a viewer (member or key)")


def new_key_stores(*, actor: Actor, role: str) -> list[int]:
    """The stores a key ``actor`` creates is restricted to: the actor's own
    (empty: every store). A restricted actor makes no admin key (admin keys are
    never restricted) and no key at all when it sees no store."""
    scope = actor_scope(actor)
    if not scope.restricted:
        return []
    if role in UNRESTRICTED_ROLES or not scope.stores:
        _refuse_restricted(scope, "create a key with every store's access (create an analyst or viewer key; "
                                  "it gets your stores)")
    return scope.as_list()


def key_stores_write(*, key: ApiKey, stores: list[int]) -> None:
    """Replaces a key's own store rows (no rows: every store); callers check the rule first."""
    KeyStoreScope.objects.filter(api_key=key).exclude(store__in=stores).delete()
    KeyStoreScope.objects.bulk_create([KeyStoreScope(api_key=key, store=n) for n in stores], ignore_conflicts=True)


def known_store_numbers() -> set[int]:
    """Stores the workspace knows of: the stores file's rows, the stores in its sales and its locations
    (a location's id is its store number)."""
    return set(Store.objects.values_list("number", flat=True)) | set(
        SalesRecord.objects.values_list("store", flat=True).distinct()) | set(
        Location.objects.values_list("id", flat=True))


def _restricts(kwargs) -> bool:
    """A scope change uses the plan's store scopes when it restricts; lifting one never needs them."""
    return bool(kwargs.get("stores"))


def _clean(stores) -> list[int]:
    try:
        numbers = sorted({int(s) for s in stores})
    except (TypeError, ValueError):
        raise ValidationFailed("Stores must be store numbers.", details={"stores": ["Not a list of integers."]})
    unknown = sorted(set(numbers) - known_store_numbers())
    if unknown:
        raise ValidationFailed(f"Unknown store(s): {', '.join(map(str, unknown))}.",
                               details={"stores": [f"Store {n} has no sales and no stores-file row." for n in unknown]})
    return numbers


@requires_feature("store_scopes", when=_restricts)
@transaction.atomic
def member_set_stores(*, actor: Actor, user_id: int, stores: list[int]) -> StoreScope:
    """Restricts a member to ``stores`` (guardian object permissions on Store);
    an empty list lifts the restriction."""
    try:
        user = User.objects.select_for_update(no_key=True).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such member.")
    numbers = _clean(stores)
    scope_change_check(actor=actor, role=user.role, stores=numbers)
    before = member_store_numbers(user)
    for n in sorted(set(before) - set(numbers)):
        remove_perm(_PERM, user, Store.objects.get(number=n))
    for n in sorted(set(numbers) - set(before)):
        store, _ = Store.objects.get_or_create(number=n)  # sales may come before the stores file
        assign_perm(_PERM, user, store)
    audit_record(action="member.stores_change", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "before": before or "all", "after": numbers or "all"})
    return StoreScope.only(numbers) if numbers else StoreScope.all()


@requires_feature("store_scopes", when=_restricts)
@transaction.atomic
def api_key_set_stores(*, actor: Actor, key_id: int, stores: list[int]) -> StoreScope:
    """Restricts an API key to ``stores``; an empty list lifts the restriction.
    Answers the scope the key acts with (its creator's scope caps it)."""
    try:
        key = ApiKey.objects.select_for_update(no_key=True).get(pk=key_id)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such API key.")
    numbers = _clean(stores)
    scope_change_check(actor=actor, role=key.role, stores=numbers)
    before = sorted(KeyStoreScope.objects.filter(api_key=key).values_list("store", flat=True))
    key_stores_write(key=key, stores=numbers)
    audit_record(action="api_key.stores_change", actor=actor, target_type="api_key", target_id=key.pk,
                 payload={"name": key.name, "prefix": key.prefix, "before": before or "all",
                          "after": numbers or "all"})
    return StoreScope.for_principal(key)  # as it acts: capped by its creator's scope
