from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts.roles import has_perm


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
