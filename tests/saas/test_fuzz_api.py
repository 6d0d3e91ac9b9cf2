"""A short schemathesis pass over the API's own OpenAPI schema against the
live gunicorn: no 5xx and every answer documented (status, content type,
body), for an owner session (bench/fuzz.py runs 10,000+ requests over every
principal)."""
from __future__ import annotations

import secrets

import pytest
import requests

from tests.conftest import in_tenant, provision
from tests.support.fuzzing import run_schemathesis

pytestmark = [pytest.mark.slow]


def _owner_session_headers(t) -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    with in_tenant(t):
        user = User.objects.get(email=t.owner_email)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    csrf = secrets.token_hex(16)
    return [f"Cookie: sessionid={session.session_key}; csrftoken={csrf}", f"X-CSRFToken: {csrf}"]


# the owner's session: every endpoint, the cookie and CSRF path; anonymous callers' 401s are the role matrix's
# (tests/accounts/test_roles.py), API keys and the other roles bench/fuzz.py's (every principal; --quick: a key)
@pytest.mark.parametrize("principal", ["owner"])
def test_api_answers_as_documented_under_fuzzing(db_access, live_server_proc, tmp_path, principal):
    t = provision("fz")
    base = f"http://127.0.0.1:{live_server_proc.port}"
    schema = requests.get(f"{base}/api/v1/schema/?format=json", timeout=60,
                          headers={"Host": t.host, "Authorization": f"Token {t.admin_key}"})
    assert schema.status_code == 200
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(schema.text)
    headers = {"key_admin": [f"Authorization: Token {t.admin_key}"], "owner": _owner_session_headers(t),
               "anonymous": []}[principal]
    res = run_schemathesis(schema_file=schema_file, base_url=base, host=t.host, headers=headers,
                           out=tmp_path / "report", examples=3, workers=1)
    assert res["requests"] > 50, res["tail"]
    assert res["5xx"] == 0 and not res["failures"], (dict(res["failures"]), res["tail"])
