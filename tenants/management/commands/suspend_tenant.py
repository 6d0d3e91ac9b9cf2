from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.services import tenant_suspend, tenant_unsuspend


class Command(BaseCommand):
    help = "Suspend a tenant (pages show a notice, API answers 403 tenant_suspended; nothing is deleted)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--reason", default="")
        parser.add_argument("--undo", action="store_true", help="Reactivate the tenant instead.")

    def handle(self, *args, **opts):
        try:
            if opts["undo"]:
                tenant = tenant_unsuspend(slug=opts["slug"])
            else:
                tenant = tenant_suspend(slug=opts["slug"], reason=opts["reason"])
        except ServiceError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"{tenant.slug}: {tenant.status}")
