from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.backup import tenant_restore


class Command(BaseCommand):
    help = "Restore a tenant backup (from tenant_backup) as a new tenant with a new short name."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--slug", required=True, help="Short name of the new tenant.")
        parser.add_argument("--name", default=None, help="Display name (default: the backed-up tenant's).")

    def handle(self, *args, **opts):
        try:
            restored = tenant_restore(path=Path(opts["file"]), slug=opts["slug"], name=opts["name"])
        except (ServiceError, RuntimeError) as exc:
            raise CommandError(getattr(exc, "message", str(exc)))
        self.stdout.write(f"{restored.from_slug} restored as {restored.tenant.slug}: {restored.tenant.url}")
