"""System checks: every API view under /api/ inherits the tenant-safe base
(E001) and resolves its authentication, permission and queryset hooks to the
base's own (E002: e.g. one assigned on the class after it was created); every
web route of a workspace declares who may open it (E003: ``role_required``,
``signed_in_page`` or ``public_page`` from accounts/decorators.py) with a
permission that exists (E004)."""
from django.core.checks import Error, register
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.decorators import SIGNED_IN
from accounts.roles import PERMISSIONS
from saas.api.base import TenantAPIMixin, replaced_hooks


def iter_patterns(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from iter_patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def view_class(pattern):
    cb = pattern.callback
    return getattr(cb, "cls", None) or getattr(cb, "view_class", None)


def unsafe_api_routes(urlconf: str = "saas.urls_tenant") -> list[str]:
    unsafe = []
    for route, pattern in iter_patterns(get_resolver(urlconf).url_patterns):
        if not route.startswith("api/"):
            continue
        cls = view_class(pattern)
        if cls is None or not issubclass(cls, TenantAPIMixin):
            unsafe.append(route)
    return unsafe


def replaced_api_hooks(urlconf: str = "saas.urls_tenant") -> dict[str, list[str]]:
    """{route: [hook, ...]} for API views whose final hooks are not the base's."""

    found = {}
    for route, pattern in iter_patterns(get_resolver(urlconf).url_patterns):
        cls = view_class(pattern)
        if route.startswith("api/") and cls is not None and issubclass(cls, TenantAPIMixin):
            replaced = replaced_hooks(cls)
            if replaced:
                found[route] = replaced
    return found


def undeclared_web_routes(urlconf: str = "saas.urls_tenant") -> tuple[list[str], dict[str, str]]:
    """(routes without a declared requirement, {route: unknown permission})."""

    missing, unknown = [], {}
    for route, pattern in iter_patterns(get_resolver(urlconf).url_patterns):
        if route.startswith("api/"):
            continue
        if not hasattr(pattern.callback, "required_perm"):
            missing.append(route or "/")
            continue
        perm = pattern.callback.required_perm
        if perm is not None and perm != SIGNED_IN and perm not in PERMISSIONS:
            unknown[route or "/"] = perm
    return missing, unknown


@register()
def api_views_are_tenant_safe(app_configs, **kwargs):
    errors = [Error(f"API route {route!r} does not inherit saas.api.base.TenantAPIMixin", id="saas.E001")
              for route in unsafe_api_routes()]
    errors += [Error(f"API route {route!r} replaces {', '.join(hooks)} of saas.api.base.TenantAPIMixin",
                     id="saas.E002") for route, hooks in replaced_api_hooks().items()]
    return errors


@register()
def web_views_declare_their_roles(app_configs, **kwargs):
    missing, unknown = undeclared_web_routes()
    errors = [Error(f"web route {route!r} declares no role requirement (role_required, signed_in_page or "
                    "public_page from accounts.decorators)", id="saas.E003") for route in missing]
    errors += [Error(f"web route {route!r} requires unknown permission {perm!r} (accounts/roles.py)",
                     id="saas.E004") for route, perm in unknown.items()]
    return errors
