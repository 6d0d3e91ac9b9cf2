"""Workspace branding: display name, logo and accent colour, set by owners.

The logo is checked from its bytes with Pillow (PNG, JPEG or WebP only; SVG is
refused because it can carry scripts), size-limited, then re-encoded to a PNG
of at most ``LOGO_MAX_SIDE`` pixels, so what is served is always an image we
wrote ourselves. It lives in the tenant's own files (saas/storage.py:
var/media/tenants/<schema>/branding/) and is served by a view on the tenant's
host only (tenants/web.py ``workspace_logo``).
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings

from django.db import connection, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from accounts.audit import Actor, audit_record
from accounts.roles import Role
from billing.services import requires_feature
from saas.errors import Forbidden, ValidationFailed
from saas.files import file_head
from saas.storage import LOGO_DIR, tenant_path
from tenants.models import Tenant

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 4096 * 4096  # refuse decompression bombs before decoding
LOGO_MAX_SIDE = 512
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
UNSET = object()


def clean_accent_color(value: str) -> str:
    value = (value or "").strip()
    if value and not HEX_RE.match(value):
        raise ValidationFailed("The accent colour must be a hex colour like #1f6feb.",
                               details={"accent_color": ["A '#' followed by 6 hex digits, e.g. #1f6feb."]})
    return value.lower()


def clean_display_name(value: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > 80:
        raise ValidationFailed("The display name is too long.", details={"display_name": ["At most 80 characters."]})
    return value


def _logo_error(reason: str) -> ValidationFailed:
    return ValidationFailed(f"The logo was refused: {reason}", details={"logo": [reason]})


def clean_logo(upload) -> bytes:
    """The uploaded file's bytes, checked and re-encoded as PNG."""
    data = file_head(upload, max_bytes=LOGO_MAX_BYTES + 1)  # the one guarded reader (saas/files.py)
    if len(data) > LOGO_MAX_BYTES:
        raise _logo_error(f"the file is larger than {LOGO_MAX_BYTES // 1024:,} KB.")
    if not data:
        raise _logo_error("the file is empty.")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<") or b"<svg" in head:
        raise _logo_error("SVG and other text files are not accepted (they can carry scripts); use PNG, JPEG or WebP.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in LOGO_FORMATS:
                    raise _logo_error(f"{fmt or 'this'} images are not accepted; use PNG, JPEG or WebP.")
                if width * height > LOGO_MAX_PIXELS:
                    raise _logo_error(f"the image is {width:,}×{height:,} pixels; at most 4,096×4,096.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                img = img.convert("RGBA")
                img.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
                out = io.BytesIO()
                img.save(out, format="PNG", optimize=True)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _logo_error("the file is not a readable PNG, JPEG or WebP image.")
    return out.getvalue()


def sets_branding(kwargs) -> bool:
    """Setting a name, colour or logo uses the plan's branding; clearing them (back to the defaults) never."""
    return any(kwargs.get(k) not in (UNSET, None, "") for k in ("display_name", "accent_color", "logo"))


@requires_feature("branding", when=sets_branding)
def branding_update(*, actor: Actor, display_name=UNSET, accent_color=UNSET, logo=UNSET,
                    remove_logo: bool = False) -> Tenant:
    """Change the current workspace's branding (owners). ``logo`` is an
    uploaded file; ``remove_logo`` goes back to no logo."""
    if actor.kind != "user" or actor.user.role != Role.OWNER or not actor.user.is_active:
        raise Forbidden("Only an owner can change the workspace's branding.")
    changes: dict = {}
    if display_name is not UNSET:
        changes["display_name"] = clean_display_name(display_name)
    if accent_color is not UNSET:
        changes["accent_color"] = clean_accent_color(accent_color)
    png = clean_logo(logo) if logo is not UNSET and logo is not None else None
    schema = connection.schema_name
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).get(schema_name=schema)
        old_logo = tenant.logo_file
        if png is not None:
            name = f"logo-{hashlib.sha256(png).hexdigest()[:16]}.png"
            tenant_path(LOGO_DIR, name, schema_name=schema).write_bytes(png)  # content-addressed: no clobbering
            changes["logo_file"] = name
        elif remove_logo:
            changes["logo_file"] = ""
        changed = {k: v for k, v in changes.items() if getattr(tenant, k) != v}
        if not changed:
            return tenant
        for field, value in changed.items():
            setattr(tenant, field, value)
        tenant.branding_updated_at = timezone.now()
        tenant.save(update_fields=[*changed, "branding_updated_at"])
        connection.tenant = tenant
        audit_record(action="workspace.branding_update", actor=actor, target_type="tenant", target_id=tenant.slug,
                     payload={k: v for k, v in changed.items()})
        if "logo_file" in changed and old_logo:
            transaction.on_commit(lambda: _remove_logo_file(schema, old_logo))
    return tenant


def _remove_logo_file(schema: str, name: str) -> None:
    path = tenant_path(LOGO_DIR, name, schema_name=schema)
    path.unlink(missing_ok=True)
