from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Django's place for modules that need the app registry loaded (they import models): the auth
        # signal receivers and the system checks register themselves when imported
        from accounts import signals  # noqa: F401
        from saas import checks  # noqa: F401
