"""Sign-in of operators (tenants.models.Operator) on the public host.

Members (AUTH_USER_MODEL, accounts.User) live in each tenant's schema; the
public schema has no member table and no session table, so operators get
their own small mechanism instead of Django's auth backends:

- a signed-cookie session (``OPERATOR_SESSION_COOKIE``, HttpOnly, SameSite
  Lax, path /operator/), only on the public host and only under /operator/:
  tenant hosts never read or set it;
- ``request.user`` on the public host is the signed-in Operator (or
  AnonymousUser), bound to its password hash so a password change or a
  deactivation signs it out;
- the login view is rate-limited per client IP like the members' login.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django_tenants.utils import get_public_schema_name

from saas.ratelimit import ip_ratelimit
from tenants.models import Operator

OPERATOR_PATH = "/operator/"
OPERATOR_SESSION_COOKIE = "operator_session"
SESSION_ID, SESSION_HASH = "_operator_id", "_operator_hash"


def is_console_request(request) -> bool:
    return connection.schema_name == get_public_schema_name() and request.path.startswith(OPERATOR_PATH)


def console_session(request) -> SessionStore:
    return SessionStore(request.COOKIES.get(OPERATOR_SESSION_COOKIE))


def save_console_session(request, response) -> None:
    session = request.session
    if not session.modified:
        return
    if session.is_empty():
        response.delete_cookie(OPERATOR_SESSION_COOKIE, path=OPERATOR_PATH)
        return
    session.save()
    response.set_cookie(OPERATOR_SESSION_COOKIE, session.session_key, max_age=settings.SESSION_COOKIE_AGE,
                        path=OPERATOR_PATH, secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")


def _operator(request):
    session = getattr(request, "session", None)
    if session is None or SESSION_ID not in session:
        return AnonymousUser()
    operator = Operator.objects.filter(pk=session[SESSION_ID], is_active=True).first()
    if operator is None or not constant_time_compare(session.get(SESSION_HASH, ""), operator.get_session_auth_hash()):
        session.flush()
        return AnonymousUser()
    return operator


class OperatorUserMiddleware:
    """After AuthenticationMiddleware: on the public host ``request.user`` is
    the signed-in operator, never a member."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.schema_name == get_public_schema_name():
            request.user = SimpleLazyObject(lambda: _operator(request)) if is_console_request(request) \
                else AnonymousUser()
        return self.get_response(request)


class OperatorLoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)


@ip_ratelimit("login")
def operator_login(request, site):
    next_url = request.POST.get("next") or request.GET.get("next") or OPERATOR_PATH
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = OPERATOR_PATH
    form = OperatorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        operator = Operator.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
        if operator is not None and operator.check_password(form.cleaned_data["password"]):
            request.session.cycle_key()
            request.session[SESSION_ID] = operator.pk
            request.session[SESSION_HASH] = operator.get_session_auth_hash()
            return redirect(next_url)
        Operator().set_password(form.cleaned_data["password"])  # same work whether the e-mail exists or not
        form.add_error(None, "Wrong e-mail or password.")
    context = {**site.each_context(request), "form": form, "next": next_url, "title": "Operator sign-in"}
    return render(request, "operator/login.html", context, status=400 if request.method == "POST" else 200)


def operator_logout(request):
    request.session.flush()
    return redirect(OPERATOR_PATH + "login/")
