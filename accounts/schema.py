"""OpenAPI (drf-spectacular) descriptions of this project's authentication
classes; imported by accounts/authentication.py, so they are registered wherever the classes are."""
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)


class TenantSessionScheme(SessionScheme):
    target_class = "accounts.authentication.TenantSessionAuthentication"
