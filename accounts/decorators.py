from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts.roles import has_perm

SIGNED_IN = "signed_in"  # the required_perm of pages for any signed-in member


def role_required(perm: str):
    """Web views: logged-in member of this tenant whose role grants ``perm``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(getattr(user, "role", None), perm):
                return render(request, "403.html", {"perm": perm}, status=403)
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm
        return wrapper

    return decorator


def public_page(reason: str):
    """Web views anyone may open (sign-in, password reset, the handoff, the
    logo shown on the sign-in page): says so explicitly, for the system check
    that every web route declares who may open it (saas/checks.py, E003)."""

    def decorator(view):
        view.required_perm = None
        view.public_reason = reason
        return view

    return decorator


def signed_in_page(view):
    """Web views for any signed-in member of the workspace, whatever the role
    (their own password)."""
    wrapper = login_required(view)
    wrapper.required_perm = SIGNED_IN
    return wrapper

