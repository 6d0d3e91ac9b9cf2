from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace that `make run` serves: its data and its first training."""

    name = "demo"
    label = "demo"
