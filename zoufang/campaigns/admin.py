from django.contrib import admin

from zoufang.campaigns.models import Campaign, CatalogItem, Phase, VisitForm
from zoufang.core.admin import OfficeAdmin


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(OfficeAdmin):
    list_display = ["name", "code", "start_date", "end_date", "is_current"]
    inlines = [PhaseInline]
    filter_horizontal = ["research_departments"]


@admin.register(CatalogItem)
class CatalogItemAdmin(OfficeAdmin):
    list_display = ["name", "kind", "code", "order", "is_active", "campaign"]
    list_filter = ["campaign", "kind", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "code"]


@admin.register(VisitForm)
class VisitFormAdmin(OfficeAdmin):
    list_display = ["name", "code", "version", "campaign"]
    list_filter = ["campaign"]
