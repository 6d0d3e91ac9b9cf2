import json

from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.services import tenant_provision


class Command(BaseCommand):
    help = ("Provision a tenant with its owner; prints one JSON line. With --api-key NAME the owner also gets "
            "an admin API key of that name (shown once).")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--plan", default="free", choices=["free", "pro", "enterprise"])
        parser.add_argument("--api-key", dest="api_key_name", default=None, metavar="NAME",
                            help="also create an admin API key with this name for the owner")

    def handle(self, *args, **opts):
        try:
            result = tenant_provision(slug=opts["slug"], name=opts["name"], owner_email=opts["owner_email"],
                                      owner_password=opts["owner_password"], plan=opts["plan"],
                                      api_key_name=opts["api_key_name"])
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}")
        self.stdout.write(json.dumps({"tenant": result.tenant.slug, "url": result.url,
                                      "owner": result.owner_email, "api_key": result.api_key}))
