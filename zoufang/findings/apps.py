from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    name = "zoufang.findings"
    label = "findings"
    verbose_name = _("Findings")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from zoufang.findings import models

        # The routing tables are edited by the office: every edit is in the audit trail.
        # Findings themselves keep their own history (FindingTransition, FindingAccess).
        auditlog.register(models.FindingKind)
        auditlog.register(models.GradeRule)

        # The registry's address page lists the findings raised there.
        from zoufang.findings import registry_sections

        registry_sections.register()
