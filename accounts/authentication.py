from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import schema  # noqa: F401 -- registers these classes' OpenAPI descriptions wherever they are used
from accounts.models import ApiKey, hash_key
from accounts.selectors import api_key_by_digest

LAST_USED_RESOLUTION = timedelta(seconds=60)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``. Keys live in the tenant's schema, so a
    key presented on another tenant's host is simply unknown there: 401."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        key = api_key_by_digest(digest=hash_key(raw))
        if key is None or key.status == "revoked":
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if key.effective_role is None:
            raise exceptions.AuthenticationFailed(
                "This key's creator is no longer an active member of the workspace: the key is suspended.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        request._request.api_key = key
        return key, key

    def authenticate_header(self, request):
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """Session cookie of this tenant's host (sessions are stored in the
    tenant's schema, so another tenant's cookie is unknown here). CSRF
    enforced for unsafe methods as in DRF."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if not user.is_active:
            return None
        return result


def axes_username(request, credentials: dict | None = None) -> str:
    """The username django-axes counts failures against (AXES_USERNAME_CALLABLE):
    the e-mail as login matches it (case-insensitively, spaces stripped), so
    ``Owner@x.test`` and `` owner@x.test`` share one counter."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "data", request.POST).get("username") if request is not None else None
    return (raw or "").strip().lower()
