"""Write operations on members, API keys and auth events. Keyword-only, one
transaction each, the audit event written inside it, e-mail after commit."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import scope_services
from accounts.audit import Actor, audit_record
from accounts.models import ApiKey, HandoffNonce, User, generate_key, hash_key
from accounts.roles import API_KEY_ROLES, Role, can_assign, capped_role
from accounts.scope import member_store_numbers
from accounts.tokens import workspace_token_generator
from billing.services import quota_reserve
from saas.errors import Conflict, Forbidden, NotFound, ValidationFailed


def _tenant():
    return connection.tenant


def _actor_role(actor: Actor) -> str:
    """The role an actor acts with. Every kind is handled explicitly; an
    unknown kind raises, and a principal without a working role is refused."""
    if actor.kind == "key":
        role = actor.api_key.effective_role  # at most its creator's current role
    elif actor.kind == "user":
        role = actor.user.role if actor.user.is_active else None
    elif actor.kind == "system":
        return Role.OWNER  # provisioning, CLI: no request behind it
    else:
        raise ValueError(f"unknown actor kind {actor.kind!r}")
    if role is None:
        raise Forbidden("This principal can no longer act in this workspace.")
    return role


def clean_email(email: str) -> str:
    """Normalised e-mail, or ValidationFailed."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed("Enter a valid e-mail address.", details={"email": ["Enter a valid e-mail address."]})
    return email


def check_password_strength(password: str, user: User | None = None) -> None:
    """The configured password validators, as ValidationFailed."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), details={"password": list(exc.messages)})


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"role": [f"Choose one of {', '.join(Role.values)}."]})


@transaction.atomic
def member_create(*, actor: Actor, email: str, password: str, role: str = Role.VIEWER,
                  first_name: str = "", last_name: str = "") -> User:
    """Create a member with a password (provisioning, CLI)."""
    email = clean_email(email)
    _check_role(role)
    quota_reserve(limit="members")  # locks the tenant: the duplicate check below sees committed members
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("A member with this e-mail already exists.", details={"email": ["Already a member."]})
    user = User(username=email, email=email, role=role, first_name=first_name, last_name=last_name)
    check_password_strength(password, user)
    user.set_password(password)
    user.save()
    audit_record(action="member.create", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": email, "role": role})
    return user


def invite_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = workspace_token_generator.make_token(user)  # bound to this workspace (accounts/tokens.py)
    return f"{_tenant().url}accounts/reset/{uid}/{token}/"


@transaction.atomic
def member_invite(*, actor: Actor, email: str, role: str) -> User:
    """Invite by e-mail: the member gets a link to choose a password."""
    email = clean_email(email)
    _check_role(role)
    if not can_assign(_actor_role(actor), role):
        raise Forbidden("You cannot invite a member with this role.")
    quota_reserve(limit="members")  # locks the tenant: the duplicate check below sees committed members
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("A member with this e-mail already exists.", details={"email": ["Already a member."]})
    user = User(username=email, email=email, role=role, invited_by=actor.user)
    user.set_unusable_password()
    user.save()
    audit_record(action="member.invite", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": email, "role": role})
    _send_invitation(actor=actor, user=user)
    return user


def _send_invitation(*, actor: Actor, user: User) -> None:
    tenant_name = _tenant().brand_name
    link = invite_link(user)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    transaction.on_commit(lambda: send_mail(
        subject=f"You are invited to {tenant_name}",
        message=(f"{actor.label} invited you to the {tenant_name} workspace as {user.role}.\n\n"
                 f"Choose your password here (the link is valid for {days} days):\n{link}\n"),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
        fail_silently=True,
    ))


@transaction.atomic
def member_invite_resend(*, actor: Actor, user_id: int) -> User:
    """A new invitation link; the previous one stops working (the token is
    derived from the unusable password, which is replaced)."""
    user = _lock_member(user_id)
    if not can_assign(_actor_role(actor), user.role):
        raise Forbidden("You cannot invite a member with this role.")
    if not user.is_active:
        raise Conflict(f"{user.email} is deactivated: reactivate the member first.", code="member_inactive")
    if not user.is_invited:
        raise Conflict(f"{user.email} has already joined: there is no invitation to re-send.",
                       code="already_joined")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(action="member.invite_resend", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "role": user.role})
    _send_invitation(actor=actor, user=user)
    return user


def _lock_member(user_id: int) -> User:
    try:
        return User.objects.select_for_update(no_key=True).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such member.")


def _ensure_other_owner(user: User) -> None:
    others = (User.objects.select_for_update(no_key=True).filter(role=Role.OWNER, is_active=True)
              .exclude(pk=user.pk))
    if not list(others):
        raise Conflict("The last owner cannot be removed or demoted.", code="last_owner")


@dataclass
class MemberChange:
    user: User
    api_keys_affected: int = 0  # live keys the member created whose power changed with this


def _live_keys_of(user: User):
    return ApiKey.objects.filter(created_by=user, revoked_at__isnull=True)


@transaction.atomic
def member_change_role(*, actor: Actor, user_id: int, role: str) -> MemberChange:
    """A demotion caps the member's keys at the new role (a key acts with at
    most its creator's current role); the count is in the audit payload."""
    _check_role(role)
    user = _lock_member(user_id)
    actor_role = _actor_role(actor)
    if not can_assign(actor_role, role) or not can_assign(actor_role, user.role):
        raise Forbidden("You cannot change this member's role.")
    if user.role == role:
        return MemberChange(user)
    scope_services.role_scope_check(role=role, stores=member_store_numbers(user),
                                    what="lift this member's store restriction before making them one")
    if user.role == Role.OWNER:
        _ensure_other_owner(user)
    old = user.role
    keys = list(_live_keys_of(user).values_list("role", flat=True))
    affected = sum(1 for k in keys if capped_role(k, old) != capped_role(k, role))
    user.role = role
    user.save(update_fields=["role"])
    audit_record(action="member.role_change", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "from": old, "to": role, "api_keys_affected": affected})
    return MemberChange(user, affected)


@transaction.atomic
def member_deactivate(*, actor: Actor, user_id: int) -> MemberChange:
    """Their sessions end at their next request (the auth backend refuses
    inactive users) and the keys they created stop working until they are
    reactivated; the count is in the audit payload."""
    user = _lock_member(user_id)
    if not can_assign(_actor_role(actor), user.role):
        raise Forbidden("You cannot deactivate this member.")
    if not user.is_active:
        return MemberChange(user)
    if user.role == Role.OWNER:
        _ensure_other_owner(user)
    affected = _live_keys_of(user).count()
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(action="member.deactivate", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "api_keys_affected": affected})
    return MemberChange(user, affected)


@transaction.atomic
def member_reactivate(*, actor: Actor, user_id: int) -> MemberChange:
    user = _lock_member(user_id)
    if not can_assign(_actor_role(actor), user.role):
        raise Forbidden("You cannot reactivate this member.")
    if user.is_active:
        return MemberChange(user)
    quota_reserve(limit="members")
    affected = _live_keys_of(user).count()
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(action="member.reactivate", actor=actor, target_type="user", target_id=user.pk,
                 payload={"email": user.email, "api_keys_affected": affected})
    return MemberChange(user, affected)


@dataclass
class CreatedKey:
    key: ApiKey
    raw: str  # shown once, never stored


@transaction.atomic
def api_key_create(*, actor: Actor, name: str, role: str) -> CreatedKey:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Give the key a name (1-100 characters).", details={"name": ["Required, at most 100 characters."]})
    if role not in [r.value for r in API_KEY_ROLES]:
        raise ValidationFailed("An API key's role is admin, analyst or viewer.",
                               details={"role": ["Choose admin, analyst or viewer."]})
    # a key belongs to a member: the one who made it, or the creator of the key that made it
    creator = {"user": lambda: actor.user, "key": lambda: actor.api_key.created_by}.get(actor.kind, lambda: None)()
    if creator is None:
        raise Forbidden("An API key belongs to a member: create it as one.")
    if not can_assign(_actor_role(actor), role):
        raise Forbidden("You cannot create a key with this role.")
    stores = scope_services.new_key_stores(actor=actor, role=role)  # a restricted actor's key inherits its stores
    quota_reserve(limit="api_keys")
    raw, prefix = generate_key()
    key = ApiKey.objects.create(name=name, prefix=prefix, digest=hash_key(raw), role=role, created_by=creator)
    scope_services.key_stores_write(key=key, stores=stores)
    audit_record(action="api_key.create", actor=actor, target_type="api_key", target_id=key.pk,
                 payload={"name": name, "role": role, "prefix": prefix, "stores": stores or "all"})
    return CreatedKey(key=key, raw=raw)


@transaction.atomic
def api_key_revoke(*, actor: Actor, key_id: int) -> ApiKey:
    try:
        key = ApiKey.objects.select_for_update(no_key=True).get(pk=key_id)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such API key.")
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(action="api_key.revoke", actor=actor, target_type="api_key", target_id=key.pk,
                 payload={"name": key.name, "prefix": key.prefix})
    return key


def auth_event_record(*, action: str, actor: Actor, payload: dict | None = None, user: User | None = None) -> None:
    with transaction.atomic():
        audit_record(action=action, actor=actor, target_type="user" if user else "",
                     target_id=user.pk if user else None, payload=payload or {})


@transaction.atomic
def password_change(*, actor: Actor, user: User, new_password: str) -> User:
    check_password_strength(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(action="auth.password_change", actor=actor, target_type="user", target_id=user.pk)
    return user


# ------------------------------------------------------------ signup handoff
# The public site creates the workspace on another host; a short-lived,
# signed, single-use token carries the new owner there, logged in.
HANDOFF_SALT = "signup-handoff"
HANDOFF_MAX_AGE = 60  # seconds: the signup page redirects at once, the handoff page posts it at once


def handoff_token_create(*, schema: str, user_id: int) -> str:
    return signing.dumps({"schema": schema, "user": user_id, "nonce": uuid.uuid4().hex}, salt=HANDOFF_SALT)


def handoff_token_consume(*, token: str) -> User | None:
    """The member the token was made for, if it is correctly signed, at most
    HANDOFF_MAX_AGE old, issued for this tenant's schema and never used before;
    None otherwise. Its nonce is recorded in the tenant's schema (HandoffNonce,
    unique): a second use is refused by the database, in any process."""
    try:
        data = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("schema") != connection.schema_name:
        return None  # another workspace's token: refused without using it up
    nonce, user_id = data.get("nonce"), data.get("user")
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 64 or not isinstance(user_id, int):
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            HandoffNonce.objects.create(nonce=nonce, used_at=now)
    except IntegrityError:
        return None  # already used
    # a nonce older than a token's lifetime can never be presented again with a valid token
    HandoffNonce.objects.filter(used_at__lt=now - timedelta(seconds=HANDOFF_MAX_AGE * 2)).delete()
    return User.objects.filter(pk=user_id, is_active=True).first()
