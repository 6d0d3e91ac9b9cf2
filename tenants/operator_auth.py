"""Sign-in of operators (tenants.models.Operator) on the public host.

Members (AUTH_USER_MODEL, accounts.User) live in each tenant's schema; the
public schema has no member table and no member session table, so operators
get their own small mechanism instead of Django's auth backends:

- a server-side session (``OperatorSessionStore``: Django's database backend
  on ``tenants.OperatorSession``, a table of the public schema only); the
  cookie (``OPERATOR_SESSION_COOKIE``, HttpOnly, SameSite Lax, path
  /operator/) holds only the key, is read and set only on the public host
  under /operator/, and signing out deletes the row, so a copied cookie is
  worthless afterwards;
- ``request.user`` on the public host is the signed-in Operator (or
  AnonymousUser), bound to its password hash so a password change or a
  deactivation signs it out;
- sign-out by POST only (the admin's logout form, with its CSRF token);
- the login view is rate-limited per client IP like the members' login, and
  failures lock out like members' (tenants.operator: N failures per e-mail +
  IP or per IP, locked for the cool-off period);
- sign-ins, sign-outs, failures and lockouts are PlatformEvents.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django_tenants.utils import get_public_schema_name

from saas.client_ip import client_ip
from saas.ratelimit import ip_ratelimit
from tenants import operator as ops
from tenants.models import Operator, OperatorSession

OPERATOR_PATH = "/operator/"
OPERATOR_SESSION_COOKIE = "operator_session"
SESSION_ID, SESSION_HASH = "_operator_id", "_operator_hash"


def is_console_request(request) -> bool:
    return connection.schema_name == get_public_schema_name() and request.path.startswith(OPERATOR_PATH)


class OperatorSessionStore(SessionStore):
    """Django's database session backend on the public schema's own table."""

    @classmethod
    def get_model_class(cls):
        return OperatorSession


def console_session(request) -> OperatorSessionStore:
    return OperatorSessionStore(request.COOKIES.get(OPERATOR_SESSION_COOKIE))


def save_console_session(request, response) -> None:
    session = request.session
    if not session.modified:
        return
    if session.is_empty():
        response.delete_cookie(OPERATOR_SESSION_COOKIE, path=OPERATOR_PATH)
        return
    try:
        session.save()
    except UpdateError:  # signed out (the row deleted) by another request meanwhile
        response.delete_cookie(OPERATOR_SESSION_COOKIE, path=OPERATOR_PATH)
        return
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


def _login_page(request, site, form, next_url, status):
    context = {**site.each_context(request), "form": form, "next": next_url, "title": "Operator sign-in"}
    return render(request, "operator/login.html", context, status=status)


def _locked(request, site, form, next_url, until):
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    form.add_error(None, f"Too many failed sign-ins: try again in {minutes} minute{'s' if minutes > 1 else ''}.")
    return _login_page(request, site, form, next_url, status=429)


@ip_ratelimit("login")
def operator_login(request, site):
    next_url = request.POST.get("next") or request.GET.get("next") or OPERATOR_PATH
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = OPERATOR_PATH
    form = OperatorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, ip = form.cleaned_data["email"], client_ip(request)
        until = ops.operator_locked_until(email=email, ip=ip)
        if until is not None:  # refused before the password is checked, as django-axes does for members
            ops.operator_login_refused(email=email, ip=ip, until=until)
            return _locked(request, site, form, next_url, until)
        operator = Operator.objects.filter(email__iexact=email, is_active=True).first()
        if operator is not None and operator.check_password(form.cleaned_data["password"]):
            request.session.cycle_key()
            request.session[SESSION_ID] = operator.pk
            request.session[SESSION_HASH] = operator.get_session_auth_hash()
            ops.operator_signed_in(operator=operator, email=email, ip=ip)
            OperatorSessionStore.clear_expired()  # a few rows: operators are few
            return redirect(next_url)
        if operator is None:
            Operator().set_password(form.cleaned_data["password"])  # same work whether the e-mail exists or not
        until = ops.operator_login_failed(email=email, ip=ip)
        if until is not None:
            return _locked(request, site, form, next_url, until)
        form.add_error(None, "Wrong e-mail or password.")
    return _login_page(request, site, form, next_url, status=400 if request.method == "POST" else 200)


def operator_logout(request):
    """POST only (the admin's logout form carries the CSRF token): a link or
    an image cannot sign an operator out, and the server-side session is deleted."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    operator = request.user
    if getattr(operator, "is_operator", False):
        ops.operator_signed_out(operator=operator, ip=client_ip(request))
    request.session.flush()
    return redirect(OPERATOR_PATH + "login/")
