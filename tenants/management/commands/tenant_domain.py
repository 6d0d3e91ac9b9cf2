from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.operator import tenant_domain_add, tenant_domain_remove


class Command(BaseCommand):
    help = ("Attach a custom domain to a tenant (or --remove it). Point the domain's DNS at the platform and "
            "add it to DJANGO_ALLOWED_HOSTS (or allow it in the proxy) first.")

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?")
        parser.add_argument("domain")
        parser.add_argument("--primary", action="store_true", help="Links in e-mails use this domain.")
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args, **opts):
        try:
            if opts["remove"]:
                tenant_domain_remove(hostname=opts["domain"], operator="cli")
                self.stdout.write(f"{opts['domain']}: removed")
                return
            if not opts["slug"]:
                raise CommandError("Give the tenant's short name.")
            domain = tenant_domain_add(slug=opts["slug"], hostname=opts["domain"], operator="cli",
                                       primary=opts["primary"])
        except ServiceError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"{domain.domain} -> {opts['slug']}{' (primary)' if domain.is_primary else ''}")
