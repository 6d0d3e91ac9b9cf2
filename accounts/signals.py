"""Thin receivers: auth events are written through the audit service."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connection
from django.dispatch import receiver

from accounts.audit import Actor
from accounts.services import auth_event_record
from saas.client_ip import client_ip


def _in_tenant() -> bool:
    return connection.schema_name not in ("public", None)


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if _in_tenant():
        actor = Actor.for_user(user, ip=client_ip(request), request_id=getattr(request, "request_id", None))
        auth_event_record(action="auth.login", actor=actor, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if _in_tenant() and user is not None:
        actor = Actor.for_user(user, ip=client_ip(request), request_id=getattr(request, "request_id", None))
        auth_event_record(action="auth.logout", actor=actor, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if _in_tenant():
        # nobody is authenticated: the platform records the attempt (with the caller's IP)
        actor = Actor.system(ip=client_ip(request), request_id=getattr(request, "request_id", None))
        auth_event_record(action="auth.login_failed", actor=actor,
                          payload={"username": str(credentials.get("username", ""))[:254]})
