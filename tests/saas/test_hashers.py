"""Production password hashing: Argon2id at OWASP's minimum, and hashes made
with Django's heavier defaults still verify and are upgraded at sign-in."""
from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher
from django.test import override_settings

PRODUCTION = ["saas.hashers.OwaspArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@override_settings(PASSWORD_HASHERS=PRODUCTION)
def test_production_hash_is_argon2id_at_owasp_minimum():
    from django.contrib.auth.hashers import make_password

    encoded = make_password("correct horse battery staple")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("correct horse battery staple", encoded)
    assert not check_password("wrong", encoded)


@override_settings(PASSWORD_HASHERS=PRODUCTION)
def test_hash_with_djangos_defaults_still_verifies_and_is_upgraded():
    old = Argon2PasswordHasher().encode("s3cret-passphrase", Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    upgraded = []
    assert check_password("s3cret-passphrase", old, setter=upgraded.append)
    assert upgraded == ["s3cret-passphrase"]  # re-hashed with the production parameters at sign-in
    assert identify_hasher(old).must_update(old)
