from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "zoufang.patrol"
    verbose_name = _("Online patrol")

    def ready(self) -> None:
        from zoufang.patrol.scoring import register

        register()
