from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zoufang.core"
    label = "core"
    verbose_name = "Zoufang core"

    def ready(self) -> None:
        from zoufang.core import audit, checks  # noqa: F401 - checks register themselves

        audit.connect()
