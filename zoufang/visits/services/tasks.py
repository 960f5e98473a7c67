"""Visit tasks: generating them for a beat in walkable batches, handing them to teams,
reassigning, and appointments (预约)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Campaign
from zoufang.org.models import Team, Unit
from zoufang.visits import rollups
from zoufang.visits.access import may_manage_tasks, may_record
from zoufang.visits.models import Method, TaskEvent, VisitKind, VisitTask
from zoufang.visits.services.common import task_event

if TYPE_CHECKING:
    from zoufang.org.models import User
    from zoufang.registry.models import Place

logger = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")


def _natural(text: str) -> str:
    """Sort "2号" before "10号": numbers padded inside the key."""
    return _DIGITS.sub(lambda m: m.group().zfill(6), text or "")


def _task_fields(place: Place) -> tuple[str, str, str]:
    """(visit kind, walk batch, sort key) for a registry place."""
    from zoufang.registry.models import Place as P

    kind = {
        P.Kind.DWELLING: VisitKind.HOUSEHOLD,
        P.Kind.SHOP: VisitKind.SHOP,
        P.Kind.KEY_PLACE: VisitKind.SHOP,
        P.Kind.ENTERPRISE: VisitKind.ENTERPRISE,
    }[place.kind]
    if kind == VisitKind.HOUSEHOLD:
        # Same building together: road, number and building.
        batch = "".join(
            p
            for p in (
                place.road,
                f"{place.house_number}号" if place.house_number else "",
                f"{place.building}栋" if place.building else "",
            )
            if p
        )
    else:
        batch = place.road or place.address  # shops and enterprises: by street
    key = "|".join(
        _natural(x)
        for x in (
            place.road,
            place.house_number,
            place.building,
            place.entrance,
            place.room,
            place.name,
        )
    )
    return kind, batch[:120] or "—", key[:255]


@dataclass
class GenerateResult:
    created: int
    total: int
    by_team: dict[str, int] = field(default_factory=dict)


def _beat_teams(campaign: Campaign, beat: Unit) -> list[Team]:
    return list(Team.objects.filter(campaign=campaign, beat=beat).order_by("name", "pk"))


@transaction.atomic
def tasks_generate(*, campaign: Campaign, beat: Unit, actor: User | None) -> GenerateResult:
    """A task for every place of the beat that has none yet: a household visit (入户) for each
    occupied dwelling, a shop visit (进店) for each shop and key place, an enterprise visit
    (访企) for each enterprise, and one village/community visit (走村/社区) for the beat.

    New tasks are spread over the beat's teams in walkable batches (a building or a street
    stays with one team) so that each team's load is balanced. Safe to re-run: places that
    already have a task are left as they are, reassignments included."""
    from zoufang.registry.models import Household, Place

    if beat.level != Unit.Level.BEAT:
        raise ValidationError(_("Tasks are generated for a community or village beat."))
    Unit.objects.select_for_update().filter(pk=beat.pk).first()  # one generation at a time
    have = set(
        VisitTask.objects.filter(campaign=campaign, beat=beat, place__isnull=False).values_list(
            "place_id", flat=True
        )
    )
    vacant = set(
        Household.objects.filter(place__beat=beat, use=Household.Use.VACANT).values_list(
            "place_id", flat=True
        )
    )
    places = [
        p
        for p in Place.objects.filter(beat=beat, is_active=True)
        .exclude(kind=Place.Kind.KEY_AREA)
        .order_by("pk")
        if p.pk not in have and p.pk not in vacant
    ]
    new: list[VisitTask] = []
    for place in places:
        kind, batch, key = _task_fields(place)
        new.append(
            VisitTask.for_beat(
                campaign,
                beat,
                kind=kind,
                place=place,
                batch=batch,
                address=(place.name + " " if place.name and kind != "household" else "")
                + (place.address or place.compose_address()),
                sort_key=key,
            )
        )
    if not VisitTask.objects.filter(
        campaign=campaign, beat=beat, kind=VisitKind.COMMUNITY
    ).exists():
        new.append(
            VisitTask.for_beat(
                campaign,
                beat,
                kind=VisitKind.COMMUNITY,
                batch=beat.name,
                address=beat.name,
                sort_key="",  # first on the list: the beat as a whole
            )
        )
    teams = _beat_teams(campaign, beat)
    by_team = _assign(new, teams, campaign=campaign, beat=beat)
    VisitTask.objects.bulk_create(new, batch_size=2000)
    rollups.task_rollup_move([], new)
    TaskEvent.objects.bulk_create(
        (
            task_event(t, "generate", actor, new=t.team.name if t.team else "", reason=t.batch)
            for t in new
        ),
        batch_size=2000,
    )
    total = VisitTask.objects.filter(campaign=campaign, beat=beat).count()
    logger.debug(
        "visit tasks generated",
        extra={"beat": beat.code, "tasks_created": len(new), "tasks_total": total},
    )
    return GenerateResult(created=len(new), total=total, by_team=by_team)


def _assign(
    new: list[VisitTask], teams: list[Team], *, campaign: Campaign, beat: Unit
) -> dict[str, int]:
    """Give each new task a team. A batch that already has a team keeps it; the rest are
    handed out batch by batch in address order, each to the least-loaded team, so a street
    is walked by one team and loads stay within one batch of each other."""
    if not teams:
        return {}
    load = {t.pk: 0 for t in teams}
    for team_id, n in (
        VisitTask.objects.filter(campaign=campaign, beat=beat, team__in=teams)
        .values_list("team_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        load[team_id] = n
    known = dict(
        VisitTask.objects.filter(campaign=campaign, beat=beat, team__isnull=False)
        .exclude(batch="")
        .values_list("batch", "team_id")
        .distinct()
    )
    groups: dict[str, list[VisitTask]] = defaultdict(list)
    for task in new:
        groups[task.batch].append(task)
    by_pk = {t.pk: t for t in teams}
    order = sorted(groups, key=lambda b: min(t.sort_key for t in groups[b]))
    # Contiguous runs of batches per team, sized to an even share.
    share = math.ceil((sum(load.values()) + len(new)) / len(teams))
    current = min(load, key=lambda k: (load[k], list(by_pk).index(k)))
    for batch in order:
        tasks = groups[batch]
        team_id = known.get(batch)
        if team_id not in by_pk:
            if load[current] >= share:
                current = min(load, key=lambda k: (load[k], list(by_pk).index(k)))
            team_id = current
        for t in tasks:
            t.team = by_pk[team_id]
        load[team_id] += len(tasks)
    counts: dict[str, int] = defaultdict(int)
    for t in new:
        counts[t.team.name] += 1
    return dict(counts)


@transaction.atomic
def tasks_reassign(*, tasks: list[VisitTask], team: Team, actor: User, reason: str = "") -> int:
    """Move tasks to another team of the same beat (a chief's decision); history kept."""
    changed = 0
    events = []
    before = rollups.task_deltas(tasks)  # the rollups' counts move with the team
    for task in tasks:
        if not may_manage_tasks(actor, task.beat):
            raise PermissionDenied(_("Only the station chief or the beat's officer reassigns."))
        if team.beat_id != task.beat_id or team.campaign_id != task.campaign_id:
            raise ValidationError({"team": _("Choose a team of the task's own beat and campaign.")})
        if task.team_id == team.pk:
            continue
        events.append(task_event(task, "assign", actor, task.team or "", team, reason))
        task.team, task.updated_at = team, timezone.now()
        changed += 1
    VisitTask.objects.bulk_update([e.task for e in events], ["team", "updated_at"])
    TaskEvent.objects.bulk_create(events)
    rollups.task_rollup_move(before, tasks)
    return changed


@transaction.atomic
def task_schedule(
    *,
    task: VisitTask,
    actor: User,
    date: dt.date | None,
    start: dt.time | None = None,
    end: dt.time | None = None,
    method: str = Method.NORMAL,
    note: str = "",
) -> VisitTask:
    """Set (or clear, with date None) the appointment (预约) and the method of a task."""
    errors: dict[str, str] = {}
    if not may_record(actor, task):
        raise PermissionDenied(_("You may not schedule this task."))
    if method not in Method.values:
        errors["method"] = _("Unknown visit method.")
    if date is None and (start or end):
        errors["date"] = _("Give the date of the appointment.")
    if date is not None and date < timezone.localdate():
        errors["date"] = _("The appointment date has passed: choose today or a later day.")
    if start and end and end <= start:
        errors["end"] = _("The time window must end after it starts.")
    if end and not start:
        errors["start"] = _("Give the start of the time window.")
    if errors:
        raise ValidationError(errors)
    old = appointment_text(task)
    task.appointment_date, task.appointment_start, task.appointment_end = date, start, end
    task.appointment_note = (note or "").strip()[:200]
    old_method, task.method = task.method, method
    task.save(
        update_fields=[
            "appointment_date",
            "appointment_start",
            "appointment_end",
            "appointment_note",
            "method",
            "updated_at",
        ]
    )
    events = []
    if old != appointment_text(task):
        events.append(task_event(task, "schedule", actor, old, appointment_text(task), note))
    if old_method != method:
        events.append(task_event(task, "method", actor, old_method, method))
    TaskEvent.objects.bulk_create(events)
    return task


def appointment_text(task: VisitTask) -> str:
    """The appointment as one line ("2026-12-03 19:00–20:00"; "" without one)."""
    if not task.appointment_date:
        return ""
    text = task.appointment_date.isoformat()
    if task.appointment_start:
        text += f" {task.appointment_start:%H:%M}"
    if task.appointment_end:
        text += f"–{task.appointment_end:%H:%M}"
    return text


@transaction.atomic
def task_request(
    *,
    campaign: Campaign,
    beat: Unit,
    address: str,
    date: dt.date,
    start: dt.time | None = None,
    end: dt.time | None = None,
    note: str = "",
) -> VisitTask:
    """A resident asked for a visit (the public page, 预约): a household task at the address
    they gave, with their appointment, on the list of the beat's team with the fewest open
    tasks. No actor (the resident has no account); no registry place (the address is theirs,
    not yet checked against the registry, so it is not matched to a place here)."""
    errors: dict[str, str] = {}
    address = " ".join((address or "").split())[:255]
    if beat.level != Unit.Level.BEAT:
        errors["beat"] = _("A visit is asked for in a community or village beat.")
    if not address:
        errors["address"] = _("Give the address to visit.")
    if date < timezone.localdate():
        errors["date"] = _("The appointment date has passed: choose today or a later day.")
    if start and end and end <= start:
        errors["end"] = _("The time window must end after it starts.")
    if errors:
        raise ValidationError(errors)
    teams = _beat_teams(campaign, beat)
    load = (
        dict(
            VisitTask.objects.filter(campaign=campaign, beat=beat, state__in=("pending", "retry"))
            .values_list("team_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if teams
        else {}
    )
    team = min(teams, key=lambda t: (load.get(t.pk, 0), t.name, t.pk)) if teams else None
    evening = bool(start and start >= dt.time(18, 0)) or date.weekday() >= 5
    task = VisitTask.for_beat(
        campaign,
        beat,
        kind=VisitKind.HOUSEHOLD,
        team=team,
        batch=address[:120],
        address=address,
        sort_key="",  # an appointment leads the list anyway
        method=Method.STAGGERED if evening else Method.NORMAL,
        appointment_date=date,
        appointment_start=start,
        appointment_end=end,
        appointment_note=(note or "").strip()[:200],
    )
    task.save()
    rollups.task_rollup_move([], [task])
    TaskEvent.objects.bulk_create(
        [
            task_event(task, "generate", None, new=team.name if team else "", reason=note),
            task_event(task, "schedule", None, new=appointment_text(task), reason=note),
        ]
    )
    return task
