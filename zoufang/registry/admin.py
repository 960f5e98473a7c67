from __future__ import annotations

from django.contrib import admin

from zoufang.core.admin import ScopedAdmin
from zoufang.registry.models import Change, ImportJob, KeyItem, Place


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ["address", "kind", "name", "beat", "address_code"]
    list_filter = ["kind"]
    search_fields = ["address", "name", "address_code"]
    raw_id_fields = ["beat"]
    readonly_fields = ["unit_path"]


@admin.register(KeyItem)
class KeyItemAdmin(ScopedAdmin):
    list_display = ["name", "kind", "quantity", "measure", "holder", "place"]
    list_filter = ["kind"]
    raw_id_fields = ["place"]


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    list_display = ["file_name", "kind", "unit", "status", "accepted", "rejected", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(Change)
class ChangeAdmin(ScopedAdmin):
    list_display = ["created_at", "entity", "object_id", "field", "old", "new", "source", "actor"]
    list_filter = ["entity", "source"]
    readonly_fields = [f.name for f in Change._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
