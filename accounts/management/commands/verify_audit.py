from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from accounts.audit.chain import verify_chain
from tenants.models import Tenant


class Command(BaseCommand):
    help = ("Walk each tenant's audit chain (sequence, previous hash, content hash) and name the first broken "
            "event. Exits non-zero if any chain is broken. Prints each chain's head: keep a copy elsewhere to "
            "also catch a rewrite of the whole chain.")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant (default: all tenants).")

    def handle(self, *args, **opts):
        tenants = Tenant.objects.exclude(schema_name="public").exclude(status=Tenant.Status.TEMPLATE).order_by("slug")
        if opts["tenant"]:
            tenants = tenants.filter(slug=opts["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant {opts['tenant']!r}.", returncode=2)
        broken = 0
        for tenant in tenants:
            with tenant_context(tenant):
                report = verify_chain()
            if report.ok:
                self.stdout.write(f"OK      {tenant.slug}: {report.events:,} events, head #{report.head_sequence} "
                                  f"{report.head_hash}")
            else:
                broken += 1
                self.stdout.write(f"BROKEN  {tenant.slug}: {report.first_break}")
        if broken:
            raise CommandError(f"audit chain broken in {broken} of {tenants.count()} tenant(s)")
