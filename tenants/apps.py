from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    export_parts = "tenants.export.MEMBER_PARTS"  # members, API keys, audit log in a workspace export
