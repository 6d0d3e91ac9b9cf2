from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from saas.errors import ServiceError
from tenants.backup import tenant_backup


class Command(BaseCommand):
    help = "Back up one tenant (its schema with pg_dump, and its files) into one tar file."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--out", required=True, help="The backup file to write (e.g. acme-2026-11-21.tar).")

    def handle(self, *args, **opts):
        try:
            manifest = tenant_backup(slug=opts["slug"], out=Path(opts["out"]))
        except (ServiceError, RuntimeError) as exc:
            raise CommandError(getattr(exc, "message", str(exc)))
        self.stdout.write(f"{manifest['slug']} ({manifest['schema']}) backed up to {opts['out']}")
