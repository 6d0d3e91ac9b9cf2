"""Issue 16, finding 1: no secret key is written in the repository, and every
signed token of the product refuses a forged one (signed with the old public
development key or with any other key), a replayed one where replay matters,
and one made for another workspace.

The product's signed tokens (grep signing., TimestampSigner, token_generator):
- the signup handoff (accounts.services.handoff_token_*): signed, 60 s, names its
  schema, single use (nonce in accounts.HandoffNonce);
- password-reset and invitation links (accounts.tokens.workspace_token_generator):
  Django's generator with the workspace's schema in the hash, single use (the
  password hash changes), PASSWORD_RESET_TIMEOUT;
- the operator console's session cookie (tenants/operator_auth.py, signed cookie,
  bound to the operator's password hash).
Member sessions live in the database; API keys are random and stored hashed:
neither is signed, so no key can forge them."""
from __future__ import annotations

import ast
import os
import re
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core import signing
from django.test import Client

from tests.conftest import PASSWORD, REPO, add_member, api_client, in_tenant, web_client

OLD_PUBLIC_KEY = "dev-insecure-secret-key-change-me-0123456789abcdef"  # was saas/settings/base.py's default
SETTINGS_DIR = Path(REPO) / "saas" / "settings"


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def _post_handoff(t, token: str) -> Client:
    client = Client(HTTP_HOST=t.host)
    client.post("/accounts/handoff/", {"token": token})
    return client


# ------------------------------------------------------------------ the key
def test_settings_hold_no_secret_key_literal():
    """No SECRET_KEY of any settings module is, or falls back to, a string written there."""
    offenders = []
    for path in sorted(SETTINGS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SECRET_KEY" for t in node.targets):
                literals = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                            and isinstance(c.value, str) and c.value not in ("", "DJANGO_SECRET_KEY")]
                if literals:
                    offenders.append(f"{path.name}:{node.lineno} {literals}")
    assert not offenders, offenders
    for path in SETTINGS_DIR.glob("*.py"):
        assert OLD_PUBLIC_KEY not in path.read_text(), path


def test_the_key_in_use_is_random_and_not_the_old_public_one():
    from django.conf import settings

    assert settings.SECRET_KEY != OLD_PUBLIC_KEY
    assert len(settings.SECRET_KEY) >= 50 and len(set(settings.SECRET_KEY)) >= 5


def test_the_dev_key_file_is_created_private_and_reused(tmp_path):
    from saas import secret_key

    key = secret_key.load_or_create(tmp_path)
    path = tmp_path / secret_key.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50 and path.read_text().strip() == key
    assert secret_key.load_or_create(tmp_path) == key  # the next start signs with the same key
    assert [p.name for p in tmp_path.iterdir()] == [secret_key.FILE_NAME]  # no temporary file left
    other = tmp_path / "other"
    assert secret_key.load_or_create(other) != key  # another var/ gets a key of its own


def test_a_key_file_others_can_read_is_refused(tmp_path):
    from saas import secret_key

    secret_key.load_or_create(tmp_path)
    (tmp_path / secret_key.FILE_NAME).chmod(0o644)
    with pytest.raises(PermissionError):
        secret_key.load_or_create(tmp_path)


def _settings_key(module: str, var_dir: Path, **extra) -> subprocess.CompletedProcess:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SAAS_"))}
    env.update({"DJANGO_SETTINGS_MODULE": module, "SAAS_VAR_DIR": str(var_dir), "SAAS_NO_AUTOSTART": "1",
                "DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
                "DJANGO_ALLOWED_HOSTS": "example.com", **extra})
    return subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_dev_settings_read_the_generated_key_and_prod_refuses_to_start_without_one(tmp_path):
    from saas import secret_key

    first = _settings_key("saas.settings.dev", tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == secret_key.load_or_create(tmp_path)  # `make run` and its processes: one key
    assert _settings_key("saas.settings.dev", tmp_path).stdout == first.stdout  # and the next start too
    given = secrets.token_urlsafe(60)
    assert _settings_key("saas.settings.dev", tmp_path, DJANGO_SECRET_KEY=given).stdout.strip() == given
    prod = _settings_key("saas.settings.prod", tmp_path)
    assert prod.returncode != 0 and "DJANGO_SECRET_KEY" in prod.stderr


def test_compose_refuses_to_start_without_a_key():
    compose = (Path(REPO) / "docker-compose.yml").read_text()
    assert re.search(r"DJANGO_SECRET_KEY: \$\{DJANGO_SECRET_KEY:\?", compose)
    for path in [Path(REPO) / "docker-compose.yml", Path(REPO) / "Dockerfile", *(Path(REPO) / "docker").rglob("*")]:
        if path.is_file():
            assert OLD_PUBLIC_KEY not in path.read_text(errors="replace"), path


# ------------------------------------------------------------------ the signup handoff
@pytest.mark.parametrize("key", [OLD_PUBLIC_KEY, "random"])
def test_a_forged_handoff_token_signs_nobody_in(tenant, tenant_b, key):
    """The attack of the finding: sign {schema, user, nonce} for another workspace's owner."""
    from accounts.services import HANDOFF_SALT

    key = secrets.token_urlsafe(60) if key == "random" else key
    for victim, other in ((tenant, tenant_b), (tenant_b, tenant)):
        forged = signing.dumps({"schema": victim.schema, "user": _owner(victim).pk, "nonce": secrets.token_hex(16)},
                               key=key, salt=HANDOFF_SALT)
        for host in (victim, other):  # the workspace it names, and one it was not issued for
            client = _post_handoff(host, forged)
            assert not _signed_in(client)
            assert client.get("/api/v1/me/").status_code in (401, 403)


def test_a_handoff_token_is_refused_on_a_workspace_it_was_not_issued_for(tenant, tenant_b):
    from accounts.services import handoff_token_consume, handoff_token_create

    token = handoff_token_create(schema=tenant.schema, user_id=_owner(tenant).pk)
    assert not _signed_in(_post_handoff(tenant_b, token))
    with in_tenant(tenant_b):
        assert handoff_token_consume(token=token) is None


def test_a_handoff_token_is_single_use_even_when_the_cache_forgets(tenant):
    from django.core.cache import cache

    from accounts.models import HandoffNonce
    from accounts.services import handoff_token_create

    token = handoff_token_create(schema=tenant.schema, user_id=_owner(tenant).pk)
    assert _signed_in(_post_handoff(tenant, token))
    cache.clear()  # the use is recorded in the database, not in a cache
    assert not _signed_in(_post_handoff(tenant, token))
    with in_tenant(tenant):
        assert HandoffNonce.objects.filter(nonce=signing.loads(token, salt="signup-handoff")["nonce"]).count() == 1


def test_a_handoff_token_expires_within_a_minute(tenant):
    from accounts.services import HANDOFF_MAX_AGE, handoff_token_create

    assert HANDOFF_MAX_AGE <= 60
    owner = _owner(tenant)
    with mock.patch.object(signing.time, "time", return_value=time.time() - 61):
        old = handoff_token_create(schema=tenant.schema, user_id=owner.pk)
    assert not _signed_in(_post_handoff(tenant, old))
    with mock.patch.object(signing.time, "time", return_value=time.time() - 30):
        recent = handoff_token_create(schema=tenant.schema, user_id=owner.pk)
    assert _signed_in(_post_handoff(tenant, recent))


def test_a_handoff_token_without_a_proper_nonce_is_refused(tenant):
    from accounts.services import HANDOFF_SALT, handoff_token_consume

    owner = _owner(tenant)
    with in_tenant(tenant):
        for payload in ({"schema": tenant.schema, "user": owner.pk},
                        {"schema": tenant.schema, "user": owner.pk, "nonce": ""},
                        {"schema": tenant.schema, "user": str(owner.pk), "nonce": secrets.token_hex(16)},
                        [tenant.schema, owner.pk]):
            assert handoff_token_consume(token=signing.dumps(payload, salt=HANDOFF_SALT)) is None


# ------------------------------------------------------------------ password reset and invitation links
def _reset_path(user, token: str) -> str:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{token}/"


def _link_opens(t, path: str) -> bool:
    """A valid link redirects to the password form (Django keeps the token in the session)."""
    resp = web_client(t).get(path)
    return resp.status_code == 302 and resp["Location"].endswith("/set-password/")


@pytest.mark.parametrize("key", [OLD_PUBLIC_KEY, "random"])
def test_a_forged_reset_link_opens_nothing(tenant, key):
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    from accounts.tokens import WorkspaceTokenGenerator, workspace_token_generator

    key = secrets.token_urlsafe(60) if key == "random" else key
    owner = _owner(tenant)
    with in_tenant(tenant):
        genuine = workspace_token_generator.make_token(owner)
        forged = []
        for cls in (PasswordResetTokenGenerator, WorkspaceTokenGenerator):  # Django's stock one and ours
            generator = cls()
            generator.secret = key
            forged.append(generator.make_token(owner))
    assert _link_opens(tenant, _reset_path(owner, genuine))  # the control
    for token in forged:
        assert not _link_opens(tenant, _reset_path(owner, token))


def test_a_reset_link_of_one_workspace_opens_no_account_of_another(tenant, tenant_b):
    """Even for a member with the same id, e-mail, password hash and last login elsewhere."""
    from accounts.models import User
    from accounts.tokens import workspace_token_generator

    mine = add_member(tenant, "viewer", email="twin@example.com")
    twin = add_member(tenant_b, "viewer", email="twin@example.com")
    with in_tenant(tenant_b):
        User.objects.filter(pk=twin.pk).update(id=mine.pk, password=mine.password, last_login=mine.last_login)
        twin = User.objects.get(pk=mine.pk)
    with in_tenant(tenant):
        token = workspace_token_generator.make_token(mine)
    assert not _link_opens(tenant_b, _reset_path(twin, token))
    assert _link_opens(tenant, _reset_path(mine, token))


def test_an_invitation_link_is_single_use(tenant, settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = _owner(tenant)
    resp = api_client(tenant, user=owner).post("/api/v1/members/", {"email": "newbie@example.com", "role": "viewer"},
                                               format="json")
    assert resp.status_code == 201, resp.content[:500]
    link = re.search(r"http://\S+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    assert _link_opens(tenant, link)
    joiner = web_client(tenant)
    form_url = joiner.get(link)["Location"]
    done = joiner.post(form_url, {"new_password1": PASSWORD + "n", "new_password2": PASSWORD + "n"})
    assert done.status_code == 302, done.content[:500]
    assert not _link_opens(tenant, link)  # replayed: the password it was derived from is gone


# ------------------------------------------------------------------ the operator console's cookie
def test_an_operator_cookie_forged_with_another_key_opens_no_console(db_access, monkeypatch):
    import uuid

    from django.conf import settings
    from django.contrib.sessions.serializers import JSONSerializer
    from django.core.management import call_command
    from django.utils.crypto import salted_hmac

    from tenants.models import Operator
    from tenants.operator_auth import OPERATOR_SESSION_COOKIE, SESSION_HASH, SESSION_ID

    email = f"ops-{uuid.uuid4().hex[:6]}@platform.test"
    monkeypatch.setenv("OPS_PW", "Operator-pass-2026!")
    call_command("create_operator", email, "--password-env", "OPS_PW")
    operator = Operator.objects.get(email=email)
    for key in (OLD_PUBLIC_KEY, secrets.token_urlsafe(60)):
        # an attacker who even knows the operator's password hash (a leaked backup) and signs with the key
        auth_hash = salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                                operator.password, secret=key, algorithm="sha256").hexdigest()
        cookie = signing.dumps({SESSION_ID: operator.pk, SESSION_HASH: auth_hash}, key=key, compress=True,
                               salt="django.contrib.sessions.backends.signed_cookies", serializer=JSONSerializer)
        client = Client(HTTP_HOST=settings.SAAS_BASE_DOMAIN)
        client.cookies[OPERATOR_SESSION_COOKIE] = cookie
        assert client.get("/operator/").status_code == 302  # to the sign-in page
