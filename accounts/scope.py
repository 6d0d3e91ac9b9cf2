"""The one store scope of a request's principal.

A member or an API key is either unrestricted (the default) or restricted to
a set of store numbers. Members' restrictions are django-guardian object
permissions (``forecasting.view_store`` on ``Store`` rows); API keys are not
users (guardian's per-object rows need a user or group), so theirs live in
``KeyStoreScope``, one row per (key, store number). Both are read here and
nowhere else; every selector that reads Store-keyed tables takes the
resulting ``StoreScope`` as a required keyword argument.

An empty set of stores means unrestricted: an admin clears a restriction by
saving no stores (a principal who may see no store at all would be better
deactivated or revoked). A key's scope is capped by its creator's current
scope (``StoreScope.for_principal``), so a key may end up restricted to no
store at all. Who may change a scope is decided in ``accounts/scope_services.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from guardian.models import UserObjectPermission

from accounts.models import ApiKey, KeyStoreScope
from forecasting.models import Store

STORE_PERM = "view_store"


@dataclass(frozen=True)
class StoreScope:
    stores: frozenset[int] | None = None  # None: every store
    # who the scope belongs to: a restricted principal sees only its own uploads
    # (another member's file and its error report may hold other stores' rows)
    user_id: int | None = None
    key_id: int | None = None

    @classmethod
    def all(cls) -> "StoreScope":
        return cls(None)

    @classmethod
    def only(cls, stores) -> "StoreScope":
        return cls(frozenset(int(s) for s in stores))

    @property
    def restricted(self) -> bool:
        return self.stores is not None

    def allows(self, store) -> bool:
        return self.stores is None or int(store) in self.stores

    def disallowed(self, stores) -> list[int]:
        """The store numbers of ``stores`` outside the scope, sorted."""
        if self.stores is None:
            return []
        return sorted({int(s) for s in stores} - self.stores)

    def filter(self, qs, field: str = "store"):
        """``qs`` narrowed to the scope's stores (``field`` holds a store number)."""
        return qs if self.stores is None else qs.filter(**{f"{field}__in": sorted(self.stores)})

    def sql(self, column: str = "store") -> tuple[str, list]:
        """An SQL condition (``TRUE`` when unrestricted) and its parameters."""
        if self.stores is None:
            return "TRUE", []
        return f"{column} = ANY(%s)", [sorted(self.stores)]

    def own(self, qs):
        """``qs`` (of a model with ``created_by``/``created_by_key``: uploads, jobs) narrowed
        to what the principal itself created when restricted; a restricted scope that names
        no principal owns nothing (fails closed)."""
        if self.stores is None:
            return qs
        if self.key_id is not None:
            return qs.filter(created_by_key_id=self.key_id)
        if self.user_id is None:
            return qs.none()
        return qs.filter(created_by_id=self.user_id, created_by_key__isnull=True)

    def own_uploads(self, qs):
        """``qs`` (of Upload) narrowed to the principal's own uploads when restricted."""
        return self.own(qs)

    def as_list(self) -> list[int] | None:
        return None if self.stores is None else sorted(self.stores)

    @classmethod
    def for_principal(cls, principal) -> "StoreScope":
        """The scope of a member (``User``) or an API key (``ApiKey``). A key acts
        with at most its creator's current scope, as with its role: its own stores
        (if restricted) intersected with its creator's (if restricted), so a key
        whose creator is restricted is restricted even when its own rows say all."""
        if isinstance(principal, ApiKey):
            own = KeyStoreScope.objects.filter(api_key=principal).values_list("store", flat=True)
            stores = key_effective_stores(own, member_store_numbers(principal.created_by))
            return cls.all() if stores is None else cls(stores, key_id=principal.pk)
        numbers = member_store_numbers(principal)
        return cls(frozenset(numbers), user_id=principal.pk) if numbers else cls.all()

    @classmethod
    def for_request(cls, request) -> "StoreScope":
        """Cached on the request: one lookup per request."""
        scope = getattr(request, "_store_scope", None)
        if scope is None:
            scope = cls.for_principal(request.user)
            request._store_scope = scope
        return scope


def key_effective_stores(own, creator) -> frozenset[int] | None:
    """A key's stores from its own rows and its creator's (each empty: every
    store); None: every store. May be empty: the two share no store."""
    own, creator = frozenset(own), frozenset(creator)
    if own and creator:
        return own & creator
    return own or creator or None


def member_store_numbers(user) -> list[int]:
    """Store numbers a member is restricted to (guardian rows); empty: unrestricted."""
    if user is None or not getattr(user, "pk", None):
        return []
    ct = ContentType.objects.get_for_model(Store)
    pks = UserObjectPermission.objects.filter(user=user, content_type=ct,
                                              permission__codename=STORE_PERM).values_list("object_pk", flat=True)
    return sorted(Store.objects.filter(pk__in=[int(p) for p in pks]).values_list("number", flat=True))


def member_scopes() -> dict[int, list[int]]:
    """{user id: store numbers} of every restricted member (one query)."""
    ct = ContentType.objects.get_for_model(Store)
    rows = UserObjectPermission.objects.filter(content_type=ct, permission__codename=STORE_PERM).values_list(
        "user_id", "object_pk")
    number_of = dict(Store.objects.values_list("pk", "number"))
    out: dict[int, list[int]] = {}
    for user_id, object_pk in rows:
        if int(object_pk) in number_of:
            out.setdefault(user_id, []).append(number_of[int(object_pk)])
    return {k: sorted(v) for k, v in out.items()}


def key_scopes() -> dict[int, list[int]]:
    """{api key id: store numbers} of every key restricted by its own rows (one query)."""
    out: dict[int, list[int]] = {}
    for key_id, store in KeyStoreScope.objects.values_list("api_key_id", "store"):
        out.setdefault(key_id, []).append(store)
    return {k: sorted(v) for k, v in out.items()}


def key_effective_scopes() -> dict[int, list[int]]:
    """{api key id: store numbers} of every restricted key as it acts, capped by
    its creator's stores (``key_effective_stores``); a list may be empty."""
    own, members = key_scopes(), member_scopes()
    out = {}
    for key_id, creator_id in ApiKey.objects.values_list("pk", "created_by_id"):
        stores = key_effective_stores(own.get(key_id, ()), members.get(creator_id, ()))
        if stores is not None:
            out[key_id] = sorted(stores)
    return out


def parse_store_list(text: str) -> list[int]:
    """``"1, 2 5"`` -> [1, 2, 5]; blank -> [] (every store). Raises ValueError naming the bad item."""
    out = []
    for item in text.replace(",", " ").split():
        if not item.isdigit():
            raise ValueError(f"{item!r} is not a store number")
        out.append(int(item))
    return out
