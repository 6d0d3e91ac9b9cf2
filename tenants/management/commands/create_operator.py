import getpass
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from saas.errors import ServiceError
from tenants.models import Operator, PlatformEvent
from tenants.operator import operator_create


class Command(BaseCommand):
    help = ("Create a platform operator (signs in to the operator console at /operator/ on the public host). "
            "The password comes from --password-env (an environment variable's name) or a prompt.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--password-env", help="Read the password from this environment variable.")
        parser.add_argument("--reset", action="store_true", help="Set a new password for an existing operator.")

    def handle(self, *args, **opts):
        password = os.environ.get(opts["password_env"], "") if opts["password_env"] else getpass.getpass("Password: ")
        try:
            if opts["reset"]:
                with transaction.atomic():
                    operator = Operator.objects.select_for_update(no_key=True).filter(email__iexact=opts["email"]).first()
                    if operator is None:
                        raise CommandError(f"No operator {opts['email']!r}.")
                    operator.set_password(password)
                    operator.save(update_fields=["password"])
                    PlatformEvent.objects.create(action="operator.password_reset", payload={"email": operator.email})
            else:
                operator = operator_create(email=opts["email"], password=password)
        except ServiceError as exc:
            raise CommandError(f"{exc.message} {exc.details or ''}".strip())
        self.stdout.write(f"operator {operator.email}: sign in at /operator/ on the public host")
