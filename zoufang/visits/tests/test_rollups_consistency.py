"""Every rollup figure equals a direct count over the raw records, at every level (city,
county, station, beat), on random data: after visits are submitted (both submission paths on
PostgreSQL), after tasks are reassigned, corrections reopen tasks and findings move through
their workflow and the overdue sweep, and after raw rows are deleted behind the services'
back and `manage.py rebuild_rollups` repairs the counts."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import uuid
from collections import Counter, defaultdict

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from zoufang.campaigns.models import CatalogItem
from zoufang.findings import figures as ffig
from zoufang.findings.models import OPEN_STATES, Finding, FindingKind
from zoufang.findings.services.sweep import findings_sweep
from zoufang.findings.services.workflow import FindingChanged, finding_transition
from zoufang.org.models import Team, Unit
from zoufang.org.tests.factories import (
    PersonnelFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from zoufang.registry.tests import factories as reg
from zoufang.visits import figures as vfig
from zoufang.visits.models import (
    CorrectionRequest,
    Visit,
    VisitLeaflet,
    VisitTask,
    VisitTopic,
)
from zoufang.visits.services import (
    VisitInput,
    correction_decide,
    tasks_generate,
    tasks_reassign,
    visit_submit,
)

OUTCOMES = ["visited"] * 5 + ["nobody_home"] * 2 + ["refused", "not_found", "vacant"]
ACTIONS = [
    "triage",
    "assign",
    "start",
    "resolve",
    "follow_up",
    "close",
    "reopen",
    "return",
    "transfer",
    "accept",
    "refuse",
    "escalate",
    "supervise",
    "unsupervise",
]


def _in(path: str, row_path: str) -> bool:
    return row_path.startswith(path)


def _child(path: str, row_path: str) -> str:
    rest = row_path[len(path) :]
    if not rest:  # the unit's own rows (a beat's)
        return path
    return path + rest.split("/", 1)[0] + "/"


def _day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


@pytest.fixture
def city(tree, people, campaign, catalog):
    """Random places in three beats, a second team in beat A and one in beat A2, tasks."""
    rng = random.Random(13)
    team_a2 = TeamFactory(campaign=campaign, beat=tree.beat_a2, name="七里店走访组")
    TeamMemberFactory(team=team_a2, personnel=PersonnelFactory(unit=tree.s1, beat=tree.beat_a2))
    team_a_bis = TeamFactory(campaign=campaign, beat=tree.beat_a, name="文峰二组")
    TeamMemberFactory(team=team_a_bis, personnel=PersonnelFactory(unit=tree.s1))
    for beat in (tree.beat_a, tree.beat_a2, tree.beat_b):
        for i in range(rng.randint(12, 20)):
            roll = rng.random()
            if roll < 0.7:
                reg.dwelling(beat, road="幸福路", number=str(i // 4 + 1), room=str(100 + i))
            elif roll < 0.85:
                reg.shop(beat, name=f"店{beat.code}-{i}")
            else:
                reg.enterprise(beat, name=f"企{beat.code}-{i}")
    admin = UserFactory(username="rollup-admin", is_superuser=True, is_staff=True)
    for beat in (tree.beat_a, tree.beat_a2, tree.beat_b):
        tasks_generate(campaign=campaign, beat=beat, actor=admin)
    return admin


def _submit_random(rng: random.Random, admin, campaign, n: int) -> None:
    codes = dict(CatalogItem.objects.filter(campaign=campaign).values_list("code", "kind"))
    topics = [c for c, k in codes.items() if k == CatalogItem.Kind.TOPIC]
    leaflets = [c for c, k in codes.items() if k == CatalogItem.Kind.LEAFLET]
    kinds = list(FindingKind.objects.filter(parent__isnull=False).values_list("code", flat=True))
    today = timezone.localdate()
    for _ in range(n):
        open_tasks = list(VisitTask.objects.filter(state__in=("pending", "retry")))
        if not open_tasks:
            return
        task = rng.choice(open_tasks)
        outcome = rng.choice(OUTCOMES)
        if task.kind == "community" and outcome in ("not_found", "vacant"):
            outcome = "refused"  # a beat has no address to correct
        members = (
            list(task.team.members.values_list("personnel_id", flat=True)) if task.team else []
        )
        end = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=rng.randint(0, 6)), dt.time(8))
        ) + dt.timedelta(minutes=rng.randint(0, 60 * 14))
        end = min(end, timezone.now() - dt.timedelta(minutes=1))
        data = VisitInput(
            outcome=outcome,
            started_at=end - dt.timedelta(minutes=15),
            ended_at=end,
            members=members,
            answers=(
                {"householder_name": "王建国"}
                if task.kind == "household"
                else {"met": ["网格员"]}
                if task.kind == "community"
                else {}
            )
            if outcome == "visited"
            else {},
            topics=rng.sample(topics, rng.randint(0, len(topics))) if outcome == "visited" else [],
            leaflets={c: rng.randint(1, 3) for c in leaflets if rng.random() < 0.5}
            if outcome == "visited"
            else {},
            findings=[
                {"kind": rng.choice(kinds), "description": "楼道堆放杂物", "grade": ""}
                for _ in range(rng.choice([0, 0, 0, 1, 2]))
            ],
        )
        visit_submit(actor=admin, task_id=task.pk, data=data, client_uuid=uuid.uuid4())


def _change_random(rng: random.Random, admin, campaign, tree) -> None:
    """Reassignments, corrections decided, findings moved through random actions, the sweep."""
    for beat in (tree.beat_a,):
        teams = list(Team.objects.filter(campaign=campaign, beat=beat))
        tasks = list(VisitTask.objects.filter(beat=beat, state__in=("pending", "retry")))
        for team in teams:
            picked = [t for t in tasks if rng.random() < 0.4]
            if picked:
                tasks_reassign(tasks=picked, team=team, actor=admin, reason="调整")
    for request in CorrectionRequest.objects.filter(state="open"):
        correction_decide(request=request, actor=admin, apply=rng.random() < 0.5, note="核实")
    stations = list(Unit.objects.filter(level=Unit.Level.STATION))
    kinds = list(FindingKind.objects.filter(parent__isnull=False).values_list("code", flat=True))
    for _ in range(120):
        f = rng.choice(list(Finding.objects.all()))
        action = rng.choice(ACTIONS)
        kw = {
            "comment": "处理",
            "kind_code": rng.choice(kinds) if action == "triage" else None,
            "grade": rng.choice(["general", "serious", "major"]) if action == "triage" else None,
            "unit": rng.choice(stations) if action in ("assign", "transfer") else None,
            "satisfied": rng.random() < 0.8 if action == "follow_up" else None,
            "now": timezone.now() - dt.timedelta(hours=rng.randint(0, 100)),
        }
        try:
            finding_transition(finding=f, actor=admin, action=action, version=None, **kw)
        except (ValidationError, PermissionDenied, FindingChanged):
            continue
    findings_sweep(now=timezone.now() + dt.timedelta(days=rng.choice([1, 4, 9])))


def _expected_tasks(path: str, campaign) -> dict:
    rows = VisitTask.objects.filter(campaign=campaign).values_list(
        "unit_path", "kind", "state", "team_id"
    )
    total, child, team = Counter(), Counter(), Counter()
    for p, kind, state, team_id in rows:
        if _in(path, p):
            total[(kind, state)] += 1
            child[(_child(path, p), kind, state)] += 1
            team[(team_id or 0, kind, state)] += 1
    return {"total": total, "child": child, "team": team}


def _counts_of(tc: vfig.TaskCounts, prefix: tuple = ()) -> Counter:
    return Counter(
        {(*prefix, k, s): n for k, states in tc.by_kind.items() for s, n in states.items() if n}
    )


def _check_visits(path: str, campaign, n_topics: int) -> None:
    expected = _expected_tasks(path, campaign)
    assert _counts_of(vfig.task_counts(path, campaign.pk)) == expected["total"], path
    by_child = vfig.task_counts(path, campaign.pk, by_child=True)
    got = Counter()
    for child, tc in by_child.items():
        got += _counts_of(tc, (child,))
    assert got == expected["child"], path
    by_team = vfig.task_counts(path, campaign.pk, by_team=True)
    got = Counter()
    for team_id, tc in by_team.items():
        got += _counts_of(tc, (team_id,))
    assert got == expected["team"], path

    visits = [v for v in Visit.objects.filter(campaign=campaign) if _in(path, v.unit_path)]
    days = Counter((_day(v.started_at), v.kind, v.outcome) for v in visits)
    assert vfig.visit_days(path, campaign.pk) == dict(days), path

    done = [v for v in visits if v.outcome == "visited"]
    c = vfig.compliance_counts(path, campaign.pk, n_topics=n_topics)
    assert c.visits == len(done)
    assert c.leaflets == sum(v.leaflet_count for v in done)
    assert c.with_leaflets == sum(1 for v in done if v.leaflet_count > 0)
    assert c.all_topics == sum(1 for v in done if v.topic_count >= n_topics)
    assert c.compliant == sum(1 for v in done if v.topic_count >= n_topics and v.leaflet_count)
    items: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    ids = {v.pk for v in done}
    for t in VisitTopic.objects.filter(visit_id__in=ids):
        items[t.item_id][0] += 1
    for leaf in VisitLeaflet.objects.filter(visit_id__in=ids):
        items[leaf.item_id][0] += 1
        items[leaf.item_id][1] += leaf.quantity
    got_items = {k: list(v) for k, v in vfig.item_counts(path, campaign.pk).items() if v[0]}
    assert got_items == dict(items), path


def _check_findings(path: str, campaign) -> None:
    rows = [f for f in Finding.objects.filter(campaign=campaign) if _in(path, f.unit_path)]
    got = ffig.finding_counts(path, campaign.pk)
    assert got.total == len(rows), path
    assert got.open == sum(1 for f in rows if f.state in OPEN_STATES)
    assert got.overdue == sum(1 for f in rows if f.state in OPEN_STATES and f.is_overdue)
    assert got.supervised == sum(1 for f in rows if f.supervised)
    assert got.closed == sum(1 for f in rows if f.state == "closed")
    assert {k: v for k, v in got.by_kind.items() if v} == dict(Counter(f.kind_id for f in rows))
    assert {k: v for k, v in got.by_grade.items() if v} == dict(Counter(f.grade for f in rows))
    assert {k: v for k, v in got.by_state.items() if v} == dict(Counter(f.state for f in rows))
    by_child = ffig.finding_counts(path, campaign.pk, by_child=True)
    assert {k: v.total for k, v in by_child.items() if v.total} == dict(
        Counter(_child(path, f.unit_path) for f in rows)
    )
    raised = Counter(_day(f.created_at) for f in rows)
    closed = Counter(_day(f.closed_at) for f in rows if f.state == "closed")
    days = {d: (raised[d], closed[d]) for d in set(raised) | set(closed)}
    assert ffig.finding_days(path, campaign.pk) == days, path
    hours = [
        int((f.closed_at - f.created_at).total_seconds() // 3600)
        for f in rows
        if f.state == "closed"
    ]
    expected = statistics.median_low(hours) if hours else None
    assert ffig.median_close_hours(path, campaign.pk) == expected, path


def _check_everything(campaign) -> None:
    n_topics = CatalogItem.objects.filter(
        campaign=campaign, kind=CatalogItem.Kind.TOPIC, is_active=True
    ).count()
    for unit in Unit.objects.all():
        _check_visits(unit.path, campaign, n_topics)
        _check_findings(unit.path, campaign)


def test_every_figure_equals_a_direct_count_at_every_level(city, campaign, tree, submit_path):
    rng = random.Random(2026)
    _submit_random(rng, city, campaign, 45)
    assert Visit.objects.count() > 30
    assert Finding.objects.exists()
    _check_everything(campaign)

    _change_random(rng, city, campaign, tree)
    assert Finding.objects.exclude(state="raised").exists()
    _submit_random(rng, city, campaign, 20)
    _check_everything(campaign)

    # Deleted behind the services' back (a database repair, say): the repair command.
    last = Visit.objects.filter(outcome="visited").order_by("-pk").first()
    Visit.objects.filter(pk=last.pk).delete()  # its members, topics, leaflets go with it
    VisitTask.objects.filter(pk=last.task_id).update(state="pending")
    Finding.objects.filter(pk=Finding.objects.order_by("pk").first().pk).update(
        state="closed", closed_at=timezone.now()
    )
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _check_everything(campaign)


def test_rebuild_gives_the_rows_the_services_kept(city, campaign, tree, submit_path):
    """What the write paths kept and what the repair recounts are the same rows."""
    from zoufang.findings.rollups import FindingRollup
    from zoufang.visits.rollups import TaskRollup, VisitDayRollup

    rng = random.Random(7)
    _submit_random(rng, city, campaign, 25)
    _change_random(rng, city, campaign, tree)

    def snapshot():
        return [
            sorted(
                tuple(r)
                for r in model.objects.exclude(**{sum_field: 0})
                .values_list(*model.ROLLUP_KEY, sum_field)
                .order_by()
            )
            for model, sum_field in ((TaskRollup, "n"), (VisitDayRollup, "n"), (FindingRollup, "n"))
        ]

    kept = snapshot()
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == kept
