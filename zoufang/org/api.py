"""API for units, people, teams and the signed-in user. Same access functions as the pages."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import HttpBearer

from zoufang.core.api import (
    COUNT_FILTER,
    ID_FILTER,
    BoundedLimitOffset,
    Id,
    LazyMap,
    responses,
)
from zoufang.core.roles import CAMPAIGN_WIDE_ROLES
from zoufang.org import access, selectors, services, twofactor
from zoufang.org.models import Personnel, Team, Unit, User
from zoufang.org.schemas import (
    MeOut,
    PersonnelOut,
    TeamDetailOut,
    TeamOut,
    TokenIn,
    TokenOut,
    UnitOut,
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` for phone clients (keys from POST /api/v1/auth/token)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


auth_router = Router(tags=["auth"])
router = Router(tags=["org"])


@auth_router.post(
    "/token",
    auth=None,
    response=responses(TokenOut, 400, 401, 403, 422, 429),
    summary="Exchange username and password for a token",
    operation_id="auth_token",
)
def token_create(request: HttpRequest, payload: TokenIn) -> dict:
    # axes wraps authenticate(): failures are counted and a locked account gets None.
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise HttpError(429, _("Too many failed logins: this account is locked for a while."))
    if user is None:
        raise HttpError(401, _("Wrong username or password."))
    if twofactor.has_device(user):
        if twofactor.verify(user=user, code=payload.otp) is None:
            # Counted like a wrong password (the same lockout).
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=request
            )
            raise HttpError(
                401, _("Send the code of your authenticator app (or a recovery code) as otp.")
            )
    elif user.needs_two_factor:
        raise HttpError(403, _("Set up two-factor login on the website before using the app."))
    token, key = services.api_token_create(user=user, name=payload.device)
    return {"token": key, "expires_at": token.expires_at.isoformat(), "username": user.username}


def unit_out(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "level_label": unit.get_level_display(),
        "parent_id": unit.parent_id,
        "path": unit.path,
    }


@router.get("/me", response=responses(MeOut, 401))
def me(request: HttpRequest) -> dict:
    user: User = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit": unit_out(user.unit) if user.unit_id else None,
        "department": user.department.name if user.department_id else None,
        "campaign_wide": user.is_superuser or user.role in CAMPAIGN_WIDE_ROLES,
        "personnel_id": user.personnel_id,
    }


@router.get("/units", response=responses(list[UnitOut], 401, 422))
@paginate(BoundedLimitOffset)
def units(
    request: HttpRequest,
    level: int | None = COUNT_FILTER,
    q: str = "",
    parent: int | None = ID_FILTER,
) -> list:
    qs = selectors.unit_list(request.user, level=level, search=q)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return LazyMap(qs, unit_out)


@router.get("/units/{unit_id}", response=responses(UnitOut, 401, 404, 422))
def unit(request: HttpRequest, unit_id: Id) -> dict:
    return unit_out(access.get_unit_for_user(request.user, unit_id))


def personnel_out(user: User, p: Personnel) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "post": p.post,
        "police_number": p.police_number,
        "phone": access.shown_phone(user, p),
        "unit_id": p.unit_id,
        "unit_name": p.unit.name,
        "work_unit_id": p.work_unit.pk,
        "department": p.department.name if p.department_id else None,
        "year_joined": p.year_joined,
    }


@router.get("/people", response=responses(list[PersonnelOut], 401, 404, 422))
@paginate(BoundedLimitOffset)
def people(
    request: HttpRequest, q: str = "", kind: str = "", post: str = "", unit: int | None = ID_FILTER
) -> list:
    unit_obj = access.get_unit_for_user(request.user, unit) if unit else None
    qs = selectors.personnel_list(request.user, search=q, kind=kind, post=post, unit=unit_obj)
    return LazyMap(qs, lambda p: personnel_out(request.user, p))


@router.get("/people/{person_id}", response=responses(PersonnelOut, 401, 404, 422))
def person(request: HttpRequest, person_id: Id) -> dict:
    return personnel_out(request.user, access.get_personnel_for_user(request.user, person_id))


def team_out(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "beat_id": team.beat_id,
        "beat_name": team.beat.name,
        "leader_id": team.leader_id,
        "member_count": team.member_count,
        "warnings": [{"code": w.code, "message": w.message} for w in services.team_warnings(team)],
    }


@router.get("/teams", response=responses(list[TeamOut], 401, 404, 422))
@paginate(BoundedLimitOffset)
def teams(
    request: HttpRequest, q: str = "", noncompliant: bool = False, unit: int | None = ID_FILTER
) -> list:
    unit_obj = access.get_unit_for_user(request.user, unit) if unit else None
    qs = selectors.team_list(
        request.user,
        campaign=request.campaign(),  # CurrentCampaignMiddleware
        search=q,
        unit=unit_obj,
        non_compliant=noncompliant,
    )
    return LazyMap(qs, team_out)


@router.get("/teams/{team_id}", response=responses(TeamDetailOut, 401, 404, 422))
def team(request: HttpRequest, team_id: Id) -> dict:
    t = access.get_team_for_user(request.user, team_id)
    data = team_out(t)
    data["members"] = [
        {
            "personnel_id": m.personnel_id,
            "name": m.personnel.name,
            "kind": m.personnel.kind,
            "post": m.personnel.post,
            "years_of_service": m.personnel.years_of_service(),
        }
        for m in selectors.team_members(t)
    ]
    return data
