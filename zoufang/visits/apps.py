from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "zoufang.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        # Findings may name the visit they were raised on; findings sits below visits and asks
        # through its link registry (zoufang.findings.links) whether a visit id is real.
        from zoufang.findings import links
        from zoufang.visits.models import Visit

        def visit_in_beat(pk: int, beat_path: str) -> bool:
            return Visit.objects.filter(pk=pk, unit_path=beat_path).exists()

        links.register("visit", visit_in_beat)

        # The registry's pages list visits and tasks; a finding's page shows its visit.
        from zoufang.visits import registry_sections

        registry_sections.register()

        from auditlog.registry import auditlog

        from zoufang.visits.models import WantedAlert

        # A wanted-person alert is sensitive: each one is in the audit trail.
        auditlog.register(WantedAlert)
