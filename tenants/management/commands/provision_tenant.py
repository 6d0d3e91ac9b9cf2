import json

from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.services import tenant_provision


class Command(BaseCommand):
    help = "Provision a tenant with its owner; prints one JSON line (the admin API key is shown once)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--plan", default="free", choices=["free", "pro", "enterprise"])

    def handle(self, *args, **opts):
        try:
            result = tenant_provision(slug=opts["slug"], name=opts["name"], owner_email=opts["owner_email"],
                                      owner_password=opts["owner_password"], plan=opts["plan"])
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}")
        self.stdout.write(json.dumps({"tenant": result.tenant.slug, "url": result.url,
                                      "owner": result.owner_email, "api_key": result.api_key}))
