from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "zoufang.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from zoufang.campaigns import models

        for model in (models.Campaign, models.Phase, models.CatalogItem, models.VisitForm):
            auditlog.register(model)
