"""Who may read and change which org records: the access functions (404 for missing and for
outside the user's subtree alike, 403 for a visible record the user may not change) and who
sees a full phone number."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from zoufang.core.roles import ADMIN_SITE_ROLES
from zoufang.core.scope import user_manages, user_scope
from zoufang.org.models import ApiToken, Personnel, Team, Unit, User


def get_unit_for_user(user: User, pk: int) -> Unit:
    return get_object_or_404(Unit.objects.visible_to(user), pk=pk)


def get_personnel_for_user(user: User, pk: int, *, write: bool = False) -> Personnel:
    person = get_object_or_404(
        Personnel.objects.visible_to(user).select_related(
            "unit", "department", "beat", "deployed_to"
        ),
        pk=pk,
    )
    if write:
        _require_manager(user, person.unit_path)
    return person


def get_team_for_user(user: User, pk: int, *, write: bool = False) -> Team:
    team = get_object_or_404(
        Team.objects.visible_to(user)
        .with_composition()
        .select_related("beat", "leader", "campaign"),
        pk=pk,
    )
    if write:
        _require_manager(user, team.unit_path)
    return team


def _require_manager(user: User, path: str) -> None:
    if not user_manages(user, path):
        raise PermissionDenied


def shown_phone(user: User, person: Personnel) -> str:
    """The person's phone in full for those who manage their unit, masked for everyone else."""
    return person.phone if user_manages(user, person.unit_path) else person.masked_phone


def may_add_personnel(user: User) -> bool:
    """Managers add people in their own subtree (the office: anywhere)."""
    return user_manages(user, user_scope(user).path or "")


def may_manage_tokens_of_others(user: User) -> bool:
    """Administrators (ADMIN_SITE_ROLES, superusers) list and revoke the API tokens of the
    users anchored in their subtree; everyone else only their own."""
    return user.is_superuser or user.role in ADMIN_SITE_ROLES


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    own = Q(user=user)
    if may_manage_tokens_of_others(user):
        scope = user_scope(user)
        if user.is_superuser or scope.everything:
            own = Q()
        elif scope.path:
            own |= Q(user__unit__path__startswith=scope.path)
    return ApiToken.objects.filter(own).select_related("user")


def get_token_for_user(user: User, pk: int) -> ApiToken:
    return get_object_or_404(tokens_visible_to(user), pk=pk)
