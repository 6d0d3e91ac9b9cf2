from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants.services import ensure_public_tenant, ensure_template_tenant


class Command(BaseCommand):
    help = "Migrate shared and tenant schemas, ensure the public tenant and the tenant template schema."

    def handle(self, *args, **opts):
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        ensure_public_tenant()
        ensure_template_tenant()
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        self.stdout.write("platform ready")
