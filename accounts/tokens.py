"""Password-reset and invitation links (Django's PasswordResetTokenGenerator),
bound to the workspace: the hash also covers the tenant's schema, so a link
made in one workspace never opens an account of another one, even one with
the same id, e-mail and password hash. Single use as Django's are: the hash
covers the password hash and last login, which setting the password changes;
valid for PASSWORD_RESET_TIMEOUT."""
from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection


class WorkspaceTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.WorkspaceTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"


workspace_token_generator = WorkspaceTokenGenerator()
