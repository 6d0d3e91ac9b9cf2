"""Setting which stores a member or an API key may see (see accounts/scope.py).
Keyword-only, one transaction each, the audit event inside it."""
from __future__ import annotations

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import Actor, audit_record
from accounts.models import ApiKey, KeyStoreScope, User
from accounts.roles import Role
from accounts.scope import STORE_PERM, StoreScope, member_store_numbers
from forecasting.models import SalesRecord, Store
from saas.errors import NotFound, ValidationFailed

_PERM = f"forecasting.{STORE_PERM}"


def known_store_numbers() -> set[int]:
    """Stores the workspace knows of: the stores file's rows and the stores in its sales."""
    return set(Store.objects.values_list("number", flat=True)) | set(
        SalesRecord.objects.values_list("store", flat=True).distinct())


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


@transaction.atomic
def member_set_stores(*, actor: Actor, user_id: int, stores: list[int]) -> StoreScope:
    """Restricts a member to ``stores`` (guardian object permissions on Store);
    an empty list lifts the restriction."""
    try:
        user = User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such member.")
    numbers = _clean(stores)
    if numbers and user.role in (Role.OWNER, Role.ADMIN):
        raise ValidationFailed("Owners and admins see every store: restrict an analyst or a viewer.",
                               code="scope_not_allowed", details={"role": [user.role]})
    before = member_store_numbers(user)
    for n in sorted(set(before) - set(numbers)):
        remove_perm(_PERM, user, Store.objects.get(number=n))
    for n in sorted(set(numbers) - set(before)):
        store, _ = Store.objects.get_or_create(number=n)  # sales may come before the stores file
        assign_perm(_PERM, user, store)
    audit_record(action="member.stores_change", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "before": before or "all", "after": numbers or "all"})
    return StoreScope.only(numbers) if numbers else StoreScope.all()


@transaction.atomic
def api_key_set_stores(*, actor: Actor, key_id: int, stores: list[int]) -> StoreScope:
    """Restricts an API key to ``stores``; an empty list lifts the restriction."""
    try:
        key = ApiKey.objects.select_for_update().get(pk=key_id)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such API key.")
    numbers = _clean(stores)
    before = sorted(KeyStoreScope.objects.filter(api_key=key).values_list("store", flat=True))
    KeyStoreScope.objects.filter(api_key=key).exclude(store__in=numbers).delete()
    KeyStoreScope.objects.bulk_create([KeyStoreScope(api_key=key, store=n) for n in numbers],
                                      ignore_conflicts=True)
    audit_record(action="api_key.stores_change", actor=actor, target_type="api_key", target_id=key.pk,
                 payload={"name": key.name, "prefix": key.prefix, "before": before or "all",
                          "after": numbers or "all"})
    return StoreScope.only(numbers) if numbers else StoreScope.all()
