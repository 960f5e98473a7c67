from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from zoufang.core.admin import NotFoundOutsideScope, OfficeAdmin, ScopedAdmin
from zoufang.core.scope import user_scope
from zoufang.org import services
from zoufang.org.models import Department, Personnel, Team, TeamMember, Unit, User


class ZoufangAdminSite(OTPAdminSite):
    """The admin site for the administrators and the office only (User.may_use_admin_site),
    and only on a session that passed the second login step (django-otp's OTPAdminSite).
    Its login is the site's two-step login; anyone else signed in gets a 404."""

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.may_use_admin_site and user.is_verified())

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404  # a signed-in user without the admin does not learn it exists
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            raise Http404
        return redirect_to_login(request.GET.get("next") or request.get_full_path())


# django-otp's documented way to put its checks on the default site every app registers with.
admin.site.__class__ = ZoufangAdminSite


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        if change:
            services.unit_update(unit=obj)
        else:
            obj.path = Unit.build_path(obj.parent, obj.code)
            obj.save()

    def delete_model(self, request: HttpRequest, obj: Unit) -> None:
        try:
            services.unit_delete(unit=obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for unit in queryset:
            self.delete_model(request, unit)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = Unit.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(OfficeAdmin):
    list_display = ["name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Personnel)
class PersonnelAdmin(ScopedAdmin):
    list_display = ["name", "kind", "post", "police_number", "unit", "year_joined", "is_active"]
    list_filter = ["kind", "post", "is_active"]
    search_fields = ["name", "police_number"]
    autocomplete_fields = ["unit", "beat", "deployed_to"]
    readonly_fields = ["unit_path"]

    def save_model(self, request: HttpRequest, obj: Personnel, form: Any, change: bool) -> None:
        scope = user_scope(request.user)
        if not scope.contains(obj.work_unit.path):
            raise PermissionDenied
        services.personnel_save(person=obj)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    autocomplete_fields = ["personnel"]
    extra = 0


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["name", "beat", "leader", "campaign"]
    list_filter = ["campaign"]
    search_fields = ["name", "beat__name"]
    autocomplete_fields = ["beat", "leader"]
    readonly_fields = ["unit_path"]
    inlines = [TeamMemberInline]

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        obj.unit_path = obj.beat.path
        obj.save()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for member in formset.save(commit=False):
            member.campaign_id = member.team.campaign_id
            member.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(User)
class UserAdmin(NotFoundOutsideScope, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "unit", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    autocomplete_fields = ["unit", "personnel"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("走访", {"fields": ("role", "unit", "department", "personnel", "can_view_sensitive")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        watched = {"role", "is_active", "unit", "is_superuser", "password"}
        if change and watched & set(form.changed_data):
            # Sessions end by themselves (User._get_session_auth_hash); tokens go now.
            services.user_revoke_access(user=obj)

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)
        scope = user_scope(request.user)
        if scope.everything:
            return qs
        return qs.filter(unit__path__startswith=scope.path or "\x00")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission
    has_delete_permission = has_view_permission
