"""Password hashers of the test suite (saas/settings/test.py).

Argon2 with the production format but the smallest cost: the suite signs up
and logs in hundreds of members, and the production parameters (100 MiB of
memory per hash) make every one of them cost a third of a second. Never listed
in production settings."""
from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1
