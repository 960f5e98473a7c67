from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "zoufang.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from zoufang.org import models

        for model in (
            models.Unit,
            models.Department,
            models.Personnel,
            models.Team,
            models.TeamMember,
        ):
            auditlog.register(model)
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
