"""Setup of findings: the kinds catalog and routing tables (office), findings read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zoufang.core.admin import OfficeAdmin, ScopedAdmin
from zoufang.findings.models import Finding, FindingKind, FindingTransition, GradeRule


@admin.register(FindingKind)
class FindingKindAdmin(OfficeAdmin):
    list_display = [
        "name",
        "code",
        "parent",
        "department",
        "co_handlers",
        "default_grade",
        "sensitive",
        "is_active",
        "sort_order",
    ]
    list_editable = ["department", "co_handlers", "default_grade", "sensitive", "is_active"]
    list_filter = ["sensitive", "is_active", "parent"]
    search_fields = ["name", "code"]


@admin.register(GradeRule)
class GradeRuleAdmin(OfficeAdmin):
    list_display = [
        "grade",
        "owner_level",
        "county_co_handles",
        "deadline_days",
        "escalate_after_days",
    ]
    list_editable = ["owner_level", "county_co_handles", "deadline_days", "escalate_after_days"]


class TransitionInline(admin.TabularInline):
    model = FindingTransition
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    """Read-only here: every change goes through the finding page (state machine, history)."""

    list_display = [
        "number",
        "kind",
        "grade",
        "state",
        "owner_unit",
        "deadline",
        "is_overdue",
        "supervised",
    ]
    list_filter = ["state", "grade", "is_overdue", "supervised"]
    search_fields = ["number"]
    inlines = [TransitionInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        from zoufang.findings.access import readable_q

        return super().get_queryset(request).filter(readable_q(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
