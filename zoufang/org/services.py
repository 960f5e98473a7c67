"""State changes of the organisation: units, people, teams, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from zoufang.core.models import scoped_models
from zoufang.org.models import ApiToken, Personnel, Team, TeamMember, Unit, User

# ---- units ---------------------------------------------------------------------------------


@transaction.atomic
def unit_create(*, code: str, name: str, level: int, parent: Unit | None, **extra: object) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent, **extra)
    unit.path = Unit.build_path(parent, code)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit) -> Unit:
    """Save edits to a unit. A new code or parent rewrites the path of the unit, of its subtree
    and of every scoped row below it, in one UPDATE per table."""
    unit.full_clean(exclude=["path"])
    old_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).get()
    new_path = Unit.build_path(unit.parent, unit.code)
    if unit.parent and unit.parent.path.startswith(old_path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself.")})
    unit.path = new_path
    unit.save()
    if new_path != old_path:
        _rewrite_paths(old_path, new_path)
    return unit


def _rewrite_paths(old: str, new: str) -> None:
    tail = Substr(F("path"), len(old) + 1)
    Unit.objects.filter(path__startswith=old).exclude(path=new).update(
        path=Concat(Value(new), tail)
    )
    for model in scoped_models():
        model._default_manager.filter(unit_path__startswith=old).update(
            unit_path=Concat(Value(new), Substr(F("unit_path"), len(old) + 1))
        )


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    """Delete a unit that nothing depends on; otherwise say why not."""
    reasons = []
    if unit.children.exists():
        reasons.append(_("it still has %(n)d subordinate units") % {"n": unit.children.count()})
    people = Personnel.objects.in_subtree(unit.path).count() + unit.staff.count()
    if people:
        reasons.append(_("people still belong to it"))
    if Team.objects.filter(beat=unit).exists():
        reasons.append(_("visit teams still belong to it"))
    if unit.users.exists():
        reasons.append(_("user accounts are anchored at it"))
    if reasons:
        raise ValidationError(
            _("%(unit)s cannot be deleted: %(reasons)s.")
            % {"unit": unit.name, "reasons": "; ".join(reasons)}
        )
    unit.delete()


# ---- people --------------------------------------------------------------------------------


@transaction.atomic
def personnel_save(*, person: Personnel) -> Personnel:
    """Validate and save a person; their scope path follows the unit they work in."""
    person.full_clean(exclude=["unit_path"])
    person.unit_path = person.work_unit.path
    person.save()
    return person


# ---- teams ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamWarning:
    code: str
    message: str


def team_warnings(team: Team) -> list[TeamWarning]:
    """The team rules of the seed, as warnings (a team that breaks them can still work).

    Works on a team annotated by `TeamQuerySet.with_composition()` or on a plain one."""
    if not hasattr(team, "member_count"):
        team = Team.objects.with_composition().get(pk=team.pk)
    warnings = []
    if team.community_count != 1:
        warnings.append(
            TeamWarning(
                "community_officer",
                _("A team has exactly one community officer (it has %(n)d).")
                % {"n": team.community_count},
            )
        )
    if team.experienced_count == 0:
        warnings.append(
            TeamWarning(
                "experienced",
                _("以老带新: no member has %(years)d or more years of service.")
                % {"years": settings.ZOUFANG["EXPERIENCED_YEARS"]},
            )
        )
    elif team.member_count > 1 and team.experienced_count == team.member_count:
        warnings.append(
            TeamWarning(
                "newer",
                _("以老带新: every member has %(years)d or more years of service; nobody newer.")
                % {"years": settings.ZOUFANG["EXPERIENCED_YEARS"]},
            )
        )
    if team.officer_count == 0 or team.auxiliary_count == 0:
        warnings.append(
            TeamWarning(
                "officer_auxiliary",
                _("警辅结合: a team needs at least one officer and one auxiliary."),
            )
        )
    return warnings


@transaction.atomic
def team_create(*, campaign, beat: Unit, name: str, leader: Personnel | None = None) -> Team:
    team = Team(campaign=campaign, beat=beat, name=name, leader=leader, unit_path=beat.path)
    team.full_clean(exclude=["unit_path"])
    team.save()
    if leader is not None:
        team_member_add(team=team, personnel=leader)
    return team


@transaction.atomic
def team_member_add(*, team: Team, personnel: Personnel) -> TeamMember:
    other = (
        TeamMember.objects.filter(campaign_id=team.campaign_id, personnel=personnel)
        .select_related("team")
        .first()
    )
    if other is not None:
        if other.team_id == team.pk:
            return other
        raise ValidationError(
            _("%(person)s is already in team %(team)s.")
            % {"person": personnel.name, "team": other.team.name}
        )
    return TeamMember.objects.create(team=team, personnel=personnel, campaign_id=team.campaign_id)


@transaction.atomic
def team_member_remove(*, team: Team, personnel: Personnel) -> None:
    TeamMember.objects.filter(team=team, personnel=personnel).delete()
    if team.leader_id == personnel.pk:
        team.leader = None
        team.save(update_fields=["leader", "updated_at"])


# ---- API tokens ----------------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", ttl: dt.timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the key is returned once and only its hash is kept."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash_key(key),
        prefix=key[:8],
        name=name[:100],
        expires_at=timezone.now() + (ttl or settings.API_TOKEN_TTL),
        auth_stamp=_auth_stamp(user),
    )
    return token, key


def _auth_stamp(user: User) -> str:
    return user.get_session_auth_hash()[:16]


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=_hash_key(key), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if not constant_time_compare(token.auth_stamp, _auth_stamp(token.user)):
        # The password, role, unit or active flag changed since the token was made.
        token.delete()
        return None
    now = timezone.now()
    # Write last use at most once a minute: the API is hot, the column is informational.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    token.delete()


@transaction.atomic
def user_revoke_access(*, user: User) -> int:
    """End what a user may still use after a disable, a role change or a password change: the
    API tokens are deleted here; the sessions end by themselves, signed with the old
    `User._get_session_auth_hash`. Returns how many tokens went."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
