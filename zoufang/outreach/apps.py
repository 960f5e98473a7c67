from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "zoufang.outreach"
    verbose_name = _("Publicity and the public's voice")

    def ready(self) -> None:
        # Public satisfaction becomes a part of the supervision score (supervision sits below
        # outreach and never imports it).
        from zoufang.outreach.scoring import register

        register()
