"""A submission checked before anything is written: the task still open, the outcome and
method, the times, the position, the members present (only the team's), the campaign's form,
the publicity topics and leaflets, and the findings added by hand. Every problem is collected
and raised at once as a ValidationError naming the fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import CatalogItem, VisitForm
from zoufang.org.models import Team, TeamMember
from zoufang.visits import formschema, selectors
from zoufang.visits.models import ADDRESS_PROBLEMS, Method, Outcome, VisitKind
from zoufang.visits.services.catalog import publicity_catalog, visit_form
from zoufang.visits.services.common import CLOCK_SKEW, MAX_LEAFLETS
from zoufang.visits.services.spot_findings import clean_spot_findings

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.visits.models import VisitTask
    from zoufang.visits.services.submit import VisitInput

_OUTCOMES = frozenset(Outcome.values)
_METHODS = frozenset(Method.values)


@dataclass
class Checked:
    """A submission that passed every check, in the form the visit row is written from."""

    method: str
    latitude: Decimal | None
    longitude: Decimal | None
    gps_accuracy: int | None
    team_id: int | None
    members: list[int]
    form: VisitForm | None
    clean: formschema.CleanForm
    topics: list[CatalogItem]
    leaflets: list[tuple[CatalogItem, int]]
    spot_findings: list[dict[str, Any]]
    focuses: list[CatalogItem]


def visit_check(
    *,
    actor: User,
    task: VisitTask,
    team_members: set[int] | None,
    campaign_start: dt.date,
    data: VisitInput,
    now: dt.datetime,
) -> Checked:
    """`data` checked for `task` (locked; `team_members`: its team's personnel, None when it
    has no team), or ValidationError with every problem found."""
    errors: dict[str, str] = {}
    if not task.is_open:
        errors["task"] = _(
            "This task is already closed (%(state)s): it needs no further visit."
        ) % {"state": task.get_state_display()}
    if data.outcome not in _OUTCOMES:
        errors["outcome"] = _("Choose the outcome of the visit.")
    elif data.outcome in ADDRESS_PROBLEMS and task.kind == VisitKind.COMMUNITY:
        errors["outcome"] = _("A village/community visit has no address to correct.")
    method = data.method or task.method
    if method not in _METHODS:
        errors["method"] = _("Unknown visit method.")
    _check_times(data.started_at, data.ended_at, now, campaign_start, errors)
    lat = _coordinate(data.latitude, 90, "latitude", errors)
    lng = _coordinate(data.longitude, 180, "longitude", errors)
    if (lat is None) != (lng is None) and "latitude" not in errors:
        errors["latitude"] = _("Give both latitude and longitude, or neither.")
    accuracy = _accuracy(data.gps_accuracy, errors)
    team_id, members = _members(actor, task, team_members, data.members, errors)
    form = visit_form(task.campaign_id, task.kind)
    visited = data.outcome == Outcome.VISITED
    clean = formschema.clean_answers(form, task.kind, data.answers or {}, required=visited)
    errors.update({f"q_{k}" if k != "answers" else k: v for k, v in clean.errors.items()})
    topics, leaflets = _publicity(task.campaign_id, data, errors)
    focuses = _focuses(task.campaign_id, data, errors)
    spot = clean_spot_findings(data.findings or [], errors)
    if errors:
        raise ValidationError(errors)
    return Checked(
        method=method,
        latitude=lat,
        longitude=lng,
        gps_accuracy=accuracy,
        team_id=team_id,
        members=members,
        form=form,
        clean=clean,
        topics=topics,
        leaflets=leaflets,
        spot_findings=spot,
        focuses=focuses,
    )


def _check_times(
    started: dt.datetime | None,
    ended: dt.datetime | None,
    now: dt.datetime,
    campaign_start: dt.date,
    errors: dict[str, str],
) -> None:
    if started is None:
        errors["started_at"] = _("Give the time the visit started.")
    if ended is None:
        errors["ended_at"] = _("Give the time the visit ended.")
    if not (started and ended):
        return
    if timezone.is_naive(started) or timezone.is_naive(ended):
        errors["started_at"] = _("Give the times with their time zone.")
    elif started > now + CLOCK_SKEW:
        errors["started_at"] = _("The start time is in the future: check the time.")
    elif ended > now + CLOCK_SKEW:
        errors["ended_at"] = _("The end time is in the future: check the time.")
    elif ended < started:
        errors["ended_at"] = _("The visit cannot end before it starts.")
    elif timezone.localdate(started) < campaign_start:
        errors["started_at"] = _("The visit is dated before the campaign started.")


def _coordinate(value: Any, limit: int, name: str, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[name] = _("The position is not a number.")
        return None
    if not -limit <= number <= limit:
        errors[name] = _("The position is out of range.")
        return None
    return number


def _accuracy(value: Any, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        errors["gps_accuracy"] = _("The GPS accuracy is not a number.")
        return None


def _members(
    actor: User,
    task: VisitTask,
    team_members: set[int] | None,
    present: list[int],
    errors: dict[str, str],
) -> tuple[int | None, list[int]]:
    """(the visit's team, the members present): only members of that team are credited."""
    team_id, allowed = task.team_id, team_members
    if team_id is None:  # a task no team was given: the actor's team in the beat
        team = selectors.visit_team(task, actor)
        team_id = team.pk if team else None
        allowed = set(
            TeamMember.objects.filter(team=team).values_list("personnel_id", flat=True)
            if team
            else []
        )
    member_ids = sorted({int(m) for m in present})
    if not member_ids:
        errors["members"] = _("Tick the team members who were there.")
    elif not set(member_ids) <= (allowed or set()):
        name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first()
        errors["members"] = _("Only members of the team %(team)s can be credited.") % {
            "team": name or "—"
        }
    return team_id, member_ids


def _publicity(
    campaign_id: int, data: VisitInput, errors: dict[str, str]
) -> tuple[list[CatalogItem], list[tuple[CatalogItem, int]]]:
    """The topics explained and the leaflets handed out (with how many), from the catalog."""
    catalog = publicity_catalog(campaign_id)
    topics = []
    for code in dict.fromkeys(data.topics or []):
        item = catalog.get((CatalogItem.Kind.TOPIC, code))
        if item is None:
            errors["topics"] = _("Unknown propaganda topic: %(code)s") % {"code": code}
        else:
            topics.append(item)
    leaflets = []
    for code, qty in (data.leaflets or {}).items():
        item = catalog.get((CatalogItem.Kind.LEAFLET, code))
        try:
            qty = int(qty or 0)
        except (TypeError, ValueError):
            qty = -1
        if item is None:
            errors["leaflets"] = _("Unknown leaflet: %(code)s") % {"code": code}
        elif not 0 <= qty <= MAX_LEAFLETS:
            errors[f"leaflet_{code}"] = _(
                "The number of %(name)s handed out must be 0 to %(max)s."
            ) % {"name": item.name, "max": MAX_LEAFLETS}
        elif qty:
            leaflets.append((item, qty))
    return topics, leaflets


def _focuses(campaign_id: int, data: VisitInput, errors: dict[str, str]) -> list[CatalogItem]:
    """The inspection focuses (排查重点) the visit inspected, from the catalog: only a visit
    that took place inspected anything."""
    codes = list(dict.fromkeys(data.focuses or []))
    if not codes:
        return []
    if data.outcome != Outcome.VISITED:
        errors["focuses"] = _("Only a visit that took place can record what it inspected.")
        return []
    catalog = publicity_catalog(campaign_id)
    items = []
    for code in codes:
        item = catalog.get((CatalogItem.Kind.FOCUS, code))
        if item is None:
            errors["focuses"] = _("Unknown inspection focus: %(code)s") % {"code": code}
        else:
            items.append(item)
    return items
