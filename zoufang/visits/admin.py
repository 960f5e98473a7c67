from django.contrib import admin

from zoufang.core.admin import ScopedAdmin
from zoufang.visits.models import CorrectionRequest, TaskEvent, Visit, VisitTask


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Visit records change only through the services (history, registry, findings): the
    admin shows them."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "old", "new", "actor", "reason", "at")


@admin.register(VisitTask)
class VisitTaskAdmin(ReadOnlyScopedAdmin):
    list_display = ("address", "kind", "beat", "team", "state", "attempts", "appointment_date")
    list_filter = ("kind", "state", "method")
    search_fields = ("address", "batch")
    raw_id_fields = ("place", "beat", "team", "campaign")
    inlines = [TaskEventInline]


@admin.register(Visit)
class VisitAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "task",
        "outcome",
        "started_at",
        "team",
        "topic_count",
        "leaflet_count",
        "registry_state",
    )
    list_filter = ("outcome", "kind", "method", "registry_state")
    raw_id_fields = ("task", "place", "beat", "team", "campaign", "recorded_by", "form")
    # The sealed registry answers are not shown: they hold ID numbers in clear.
    readonly_fields = (
        "client_uuid",
        "payload_hash",
        "answers",
        "registry_state",
        "registry_applied_at",
        "registry_error",
    )


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyScopedAdmin):
    list_display = ("task", "reason", "state", "created_at")
    list_filter = ("reason", "state")
    raw_id_fields = ("visit", "task", "place", "beat", "decided_by")
