"""Password hashers.

Production: Argon2id at OWASP's recommended minimum (19 MiB of memory, 2
passes, 1 lane; Password Storage Cheat Sheet). Django's default (100 MiB, 8
lanes) cost a third of a second of both cores per sign-in: under load
(bench/load.py, 50 users signing in on 2 cores) sign-ins took seconds and
slowed every other request. Same ``argon2`` identifier, so hashes made with
other parameters still verify and are upgraded at the next sign-in.

Tests (saas/settings/test.py): the same format at the smallest cost, since the
suite signs up and logs in hundreds of members."""
from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1
