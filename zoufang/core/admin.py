"""Admin base class: the same jurisdiction scope as the pages, permissions from the role."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest

from zoufang.core.roles import MANAGER_ROLES, Role

admin.site.site_header = "走访 · 设置"
admin.site.site_title = "走访"
admin.site.index_title = "基础数据设置"


def _is_manager(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or user.role in MANAGER_ROLES)


def _is_office(request: HttpRequest) -> bool:
    user = request.user
    return (
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.role in {Role.OFFICE, Role.WORKING_TEAM})
    )


class NotFoundOutsideScope:
    """A record outside the user's rows is a 404, as on every page (Django's admin would
    redirect to its index with "doesn't exist", which tells the id exists elsewhere).
    `get_object` is the one read behind the change, delete and history views."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404
        return obj


class RoleGatedAdmin(NotFoundOutsideScope, admin.ModelAdmin):
    """Who may read and who may write, each one rule on the request: `may_read` opens the
    module and its lists, `may_write` adds, changes and deletes. Subclasses set both."""

    may_read = staticmethod(_is_manager)
    may_write = staticmethod(_is_manager)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_read(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_read(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_write(request)


class ScopedAdmin(RoleGatedAdmin):
    """Rows limited to the user's subtree; managers (office, county admins, station chiefs)
    may edit what they see."""

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).visible_to(request.user)


class OfficeAdmin(RoleGatedAdmin):
    """Campaign-wide setup data (catalogs, departments): the office edits, managers read."""

    may_write = staticmethod(_is_office)
