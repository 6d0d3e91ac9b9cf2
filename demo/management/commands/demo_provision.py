"""`manage.py demo_provision --port 8000`: the platform set up, the demo workspace
and its members created when missing, its data loaded and trained (in the
background, by the worker), then the URL and logins printed. Run by `make run`."""
from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_context

from accounts import services as account_services
from accounts.audit import Actor
from accounts.models import User
from demo.bootstrap import demo_bootstrap
from tenants.models import Tenant
from tenants.services import tenant_provision

DEMO = {
    "slug": "demo",
    "name": "Demo Retail",
    "owner": ("owner@demo.test", "demo-owner-pass-2026"),
    "analyst": ("analyst@demo.test", "demo-analyst-pass-2026"),
}


class Command(BaseCommand):
    help = "Create the demo workspace (idempotent) and print its URL and logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000", help="the port `make run` serves on (for the printed URL)")

    def handle(self, *args, port: str, **options):
        call_command("setup_platform")
        tenant = Tenant.objects.filter(slug=DEMO["slug"]).first()
        if tenant is None:
            tenant = tenant_provision(slug=DEMO["slug"], name=DEMO["name"], owner_email=DEMO["owner"][0],
                                      owner_password=DEMO["owner"][1], plan="pro").tenant
        with schema_context(tenant.schema_name):
            connection.tenant = tenant
            if not User.objects.filter(email=DEMO["analyst"][0]).exists():
                account_services.member_create(actor=Actor.system(), email=DEMO["analyst"][0],
                                               password=DEMO["analyst"][1], role="analyst")
        connection.set_schema_to_public()
        self.stdout.write(demo_bootstrap(tenant))
        url = f"http://{DEMO['slug']}.{settings.SAAS_BASE_DOMAIN}:{port}/"
        rule = "=" * 72
        self.stdout.write("\n".join([
            "", rule,
            f"  Demo workspace: {url}",
            f"  Owner:   {DEMO['owner'][0]} / {DEMO['owner'][1]}",
            f"  Analyst: {DEMO['analyst'][0]} / {DEMO['analyst'][1]}",
            f"  Sign up a new company: http://{settings.SAAS_BASE_DOMAIN}:{port}/signup/",
            "  Ctrl-C stops everything.",
            rule, ""]))
