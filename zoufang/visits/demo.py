"""The demo city's big visit: tasks for every beat and about a third of them called on by the
demo date (day 11 of the campaign), with realistic outcomes and a sprinkling of findings.

Deterministic (fixed seed) and fast: tasks come from the real generation service; the visits
are written in bulk (they are history, not input: they do not re-apply registry answers);
findings go through the findings ledger's creation service so they are routed as real ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.org.models import TeamMember
from zoufang.visits import formschema
from zoufang.visits.models import (
    ADDRESS_PROBLEMS,
    OUTCOME_TO_STATE,
    CorrectionRequest,
    Method,
    Outcome,
    TaskEvent,
    TaskState,
    Visit,
    VisitFocus,
    VisitLeaflet,
    VisitMember,
    VisitTask,
    VisitTopic,
)
from zoufang.visits.services import tasks_generate

SEED = 4110004
SHARE_CALLED = 0.34
# First-call outcomes (a household is often out; shops and enterprises are open in the day).
OUTCOMES = {
    "household": [
        (Outcome.VISITED, 74),
        (Outcome.NOBODY_HOME, 16),
        (Outcome.REFUSED, 4),
        (Outcome.NOT_FOUND, 2),
        (Outcome.DEMOLISHED, 2),
        (Outcome.VACANT, 2),
    ],
    "shop": [
        (Outcome.VISITED, 88),
        (Outcome.NOBODY_HOME, 7),
        (Outcome.REFUSED, 3),
        (Outcome.NOT_FOUND, 2),
    ],
    "enterprise": [(Outcome.VISITED, 93), (Outcome.NOBODY_HOME, 5), (Outcome.REFUSED, 2)],
    "community": [(Outcome.VISITED, 100)],
}
# How often a visit of each kind inspected each focus (排查重点), by focus code.
FOCUS_SHARES = {
    "household": {"key-persons": 0.3, "disputes": 0.6, "fire-safety": 0.5, "fugitives": 0.15},
    "shop": {"fire-safety": 0.8, "key-items": 0.3, "key-persons": 0.1, "disputes": 0.2},
    "enterprise": {"fire-safety": 0.9, "key-items": 0.5, "key-areas": 0.4, "key-persons": 0.2},
    "community": {
        "key-persons": 0.9,
        "key-areas": 0.8,
        "disputes": 0.9,
        "fire-safety": 0.7,
        "fugitives": 0.5,
        "key-items": 0.3,
    },
}
SPOT_FINDINGS = [
    ("dispute-neighbour", "楼上装修噪音扰民,两户多次争吵,需社区调解。"),
    ("hazard-fire", "楼道内电动车飞线充电,堆放纸箱等可燃物。"),
    ("hazard-security", "小区东门门禁损坏,外来人员随意进出。"),
    ("clue-fraud", "住户反映老人接到冒充医保局电话,要求转账。"),
    ("opinion", "群众建议夜间增加巡逻,路灯不亮路段较多。"),
    ("hazard-traffic", "学校门口上下学时段车辆乱停,存在交通隐患。"),
    ("clue-vice", "反映某出租屋夜间人员出入频繁,疑似聚众赌博。"),
    ("security-problem", "商铺反映夜间有人撬盗店内财物。"),
    ("hazard-production", "企业仓库消防通道被货物堵塞。"),
    ("dispute-property", "业主与物业因停车收费发生纠纷。"),
]


def _pick(rng: random.Random, table: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def _moment(rng: random.Random, day: dt.date, *, evening: bool = False) -> dt.datetime:
    hour = rng.randint(18, 20) if evening else rng.choice([9, 9, 10, 10, 11, 14, 15, 15, 16, 17])
    naive = dt.datetime.combine(day, dt.time(hour, rng.randrange(0, 60, 5)))
    return timezone.make_aware(naive)


def called_share(campaign_day: int) -> float:
    """The share of tasks called on by the demo's today: about 3 % a day passed (34 % on day
    11), at most 90 % (from day 30: a month of visits)."""
    return min(0.9, SHARE_CALLED * campaign_day / 11)


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo): tasks for every place, a share of them
    called on by the demo's today (set-based SQL and COPY on PostgreSQL)."""
    share = called_share(ctx.campaign_day)
    if ctx.bulk_sql:
        from zoufang.visits.demo_pg import build_visits_copy

        counts = build_visits_copy(campaign=ctx.campaign, beats=ctx.org.beats, share=share)
    else:
        counts = build_demo_visits(campaign=ctx.campaign, org=ctx.org, share=share)
    # The demo writes its rows in bulk, around the services: its rollups are counted afresh.
    from zoufang.findings.rollups import rollups_rebuild as findings_rollups_rebuild
    from zoufang.visits.rollups import rollups_rebuild

    rollups_rebuild(campaign_id=ctx.campaign.pk)
    findings_rollups_rebuild()
    ctx.built["visits"] = counts
    ctx.say(
        f"visits: {counts['tasks']} tasks ({counts['created']} new), {counts['visits']} visits "
        f"to {counts['touched']} addresses, {counts['raised']} findings raised on visits"
    )


# What a planned call holds besides the visit's own fields.
CALL_ONLY = ("present", "topics", "leaflets", "focuses")
TASK_COLUMNS = ("pk", "beat_id", "unit_path", "kind", "place_id", "team_id", "method")


class VisitPlanner:
    """Who called where, when, with what outcome: the rows of the visits, made task by task
    from one seeded random generator (both writers, ORM and COPY, store the same rows)."""

    def __init__(self, campaign: Campaign, share: float) -> None:
        self.rng = random.Random(SEED)
        self.share = share
        today = timezone.localdate()
        days = [
            campaign.start_date + dt.timedelta(days=n)
            for n in range(max(1, (today - campaign.start_date).days))
        ]
        self.days = [d for d in days if d < today] or [today - dt.timedelta(days=1)]
        items = CatalogItem.objects.filter(campaign=campaign).order_by("order")
        self.topics = list(items.filter(kind=CatalogItem.Kind.TOPIC).values_list("pk", flat=True))
        self.leaflets = list(
            items.filter(kind=CatalogItem.Kind.LEAFLET).values_list("pk", flat=True)
        )
        self.forms = {k: getattr(formschema.form_for(campaign, k), "pk", None) for k in OUTCOMES}
        self.focuses = dict(items.filter(kind=CatalogItem.Kind.FOCUS).values_list("code", "pk"))
        # A generator of its own: the focuses leave every other draw (and figure) as it was.
        self.focus_rng = random.Random(SEED + 1)
        self.members_of: dict[int, list[int]] = defaultdict(list)
        for team_id, personnel_id in TeamMember.objects.filter(campaign=campaign).values_list(
            "team_id", "personnel_id"
        ):
            self.members_of[team_id].append(personnel_id)

    def calls(self, task: tuple) -> list[dict[str, Any]]:
        """The calls at one task (TASK_COLUMNS), none when it was not called on yet."""
        rng = self.rng
        pk, _beat, _path, kind, _place, team_id, method = task
        if rng.random() >= self.share or not self.members_of.get(team_id):
            return []
        outcomes = [_pick(rng, OUTCOMES[kind])]
        if outcomes[0] == Outcome.NOBODY_HOME and rng.random() < 0.45:
            outcomes.append(Outcome.VISITED)  # the off-hours retry found them in
        day_pool = sorted(rng.sample(self.days, k=min(len(outcomes), len(self.days))))
        while len(day_pool) < len(outcomes):
            day_pool.append(day_pool[-1])
        return [
            self._call(pk, kind, team_id, method, n, outcome, day_pool[n])
            for n, outcome in enumerate(outcomes)
        ]

    def _call(
        self, pk: int, kind: str, team_id: int, method: str, n: int, outcome: str, day: dt.date
    ) -> dict[str, Any]:
        rng = self.rng
        team = self.members_of[team_id]
        start = _moment(rng, day, evening=n > 0)
        minutes = rng.randint(12, 40) if outcome == Outcome.VISITED else rng.randint(2, 6)
        present = (
            team
            if rng.random() < 0.7
            else rng.sample(team, k=max(1, min(len(team), rng.randint(2, 3))))
        )
        topics, leaflets, answers = [], [], {}
        if outcome == Outcome.VISITED:
            topics = (
                self.topics
                if rng.random() < 0.72
                else rng.sample(self.topics, k=min(len(self.topics), rng.randint(2, 5)))
            )
            leaflets = [(item, rng.randint(1, 3)) for item in self.leaflets if rng.random() < 0.6]
            answers = _answers(rng, kind)
        return {
            "outcome": outcome,
            "method": Method.STAGGERED if n > 0 else method,
            "started_at": start,
            "ended_at": start + dt.timedelta(minutes=minutes),
            "form_id": self.forms.get(kind) if outcome == Outcome.VISITED else None,
            "answers": answers,
            "topic_count": len(topics),
            "leaflet_count": sum(q for _i, q in leaflets),
            "client_uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "payload_hash": hashlib.sha256(f"demo:{pk}:{n}".encode()).hexdigest(),
            "present": present,
            "topics": topics,
            "leaflets": leaflets,
            "focuses": self._focuses(kind) if outcome == Outcome.VISITED else [],
        }

    def _focuses(self, kind: str) -> list[int]:
        rng = self.focus_rng
        return [
            self.focuses[code]
            for code, share in FOCUS_SHARES.get(kind, {}).items()
            if code in self.focuses and rng.random() < share
        ]


def task_state(calls: list[dict[str, Any]]) -> tuple[str, int, bool, dt.datetime]:
    """(state, attempts, retry off hours, last visit) of a task after its calls."""
    state = OUTCOME_TO_STATE[Outcome(calls[-1]["outcome"])]
    return state, len(calls), state == TaskState.RETRY, calls[-1]["ended_at"]


@transaction.atomic
def build_demo_visits(*, campaign: Campaign, org: Any, share: float = SHARE_CALLED) -> dict:
    """The ORM path (SQLite): tasks from the real generation service, visits in bulk."""
    created = sum(
        tasks_generate(campaign=campaign, beat=beat, actor=None).created for beat in org.beats
    )
    planner = VisitPlanner(campaign, share)
    tasks = VisitTask.objects.filter(campaign=campaign).order_by("pk")
    visits: list[tuple[Visit, dict[str, Any]]] = []
    states: dict[tuple, list[int]] = defaultdict(list)
    for task in tasks.values_list(*TASK_COLUMNS):
        calls = planner.calls(task)
        if not calls:
            continue
        pk, beat_id, path, kind, place_id, team_id, _method = task
        for call in calls:
            fields = {k: v for k, v in call.items() if k not in CALL_ONLY}
            visit = Visit(task_id=pk, campaign=campaign, beat_id=beat_id, unit_path=path, **fields)
            visit.kind, visit.place_id, visit.team_id = kind, place_id, team_id
            visits.append((visit, call))
        states[task_state(calls)[:3]].append(pk)
    _write_visits(campaign, visits)
    _write_task_states(campaign, states)
    visited = [
        (v.pk, v.beat_id, v.task_id, v.client_uuid)
        for v, _c in visits
        if v.outcome == Outcome.VISITED
    ]
    raised = spot_findings(planner.rng, campaign, visited)
    appointments(planner.rng, campaign, timezone.localdate())
    return {
        "tasks": tasks.count(),
        "created": created,
        "visits": len(visits),
        "touched": sum(len(pks) for pks in states.values()),
        "raised": raised,
    }


def _write_visits(campaign: Campaign, visits: list[tuple[Visit, dict[str, Any]]]) -> None:
    Visit.objects.bulk_create([v for v, _c in visits], batch_size=2000)
    # Recorded at the door minutes after the call, not when the demo was built.
    Visit.objects.filter(campaign=campaign).update(
        created_at=F("ended_at") + dt.timedelta(minutes=3)
    )
    VisitMember.objects.bulk_create(
        (
            VisitMember(
                visit=v, personnel_id=p, unit_path=v.unit_path, campaign=campaign, outcome=v.outcome
            )
            for v, call in visits
            for p in call["present"]
        ),
        batch_size=5000,
    )
    VisitTopic.objects.bulk_create(
        (VisitTopic(visit=v, item_id=t) for v, call in visits for t in call["topics"]),
        batch_size=5000,
    )
    VisitFocus.objects.bulk_create(
        (
            VisitFocus(visit=v, item_id=i, campaign=campaign, unit_path=v.unit_path)
            for v, call in visits
            for i in call["focuses"]
        ),
        batch_size=5000,
    )
    VisitLeaflet.objects.bulk_create(
        (
            VisitLeaflet(visit=v, item_id=i, quantity=q)
            for v, call in visits
            for i, q in call["leaflets"]
        ),
        batch_size=5000,
    )
    TaskEvent.objects.bulk_create(
        (
            TaskEvent(task_id=v.task_id, action="visit", new=OUTCOME_TO_STATE[Outcome(v.outcome)])
            for v, _c in visits
        ),
        batch_size=5000,
    )
    last_per_task = {v.task_id: v for v, _c in visits}
    CorrectionRequest.objects.bulk_create(
        CorrectionRequest.of_visit(v)
        for v in last_per_task.values()
        if v.outcome in ADDRESS_PROBLEMS
    )


def _write_task_states(campaign: Campaign, states: dict[tuple, list[int]]) -> None:
    """Set-based: one UPDATE per (state, attempts) group, then the last call's time."""
    for (state, attempts, retry), pks in states.items():
        for i in range(0, len(pks), 900):
            VisitTask.objects.filter(pk__in=pks[i : i + 900]).update(
                state=state, attempts=attempts, retry_off_hours=retry
            )
    VisitTask.objects.filter(campaign=campaign, attempts__gt=0).update(
        last_visit_at=Subquery(
            Visit.objects.filter(task=OuterRef("pk"))
            .order_by()
            .values("task")
            .annotate(last=Max("ended_at"))
            .values("last")
        )
    )


def appointments(rng: random.Random, campaign: Campaign, today: dt.date) -> None:
    """Some residents agreed a time (预约): today or in the next days, an hour's window; the
    nobody-home ones are tried at staggered hours (错时)."""
    VisitTask.objects.filter(campaign=campaign, state=TaskState.RETRY).update(
        method=Method.STAGGERED
    )
    open_ids = list(
        VisitTask.objects.filter(campaign=campaign, state__in=[TaskState.PENDING, TaskState.RETRY])
        .exclude(kind="community")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = sorted(rng.sample(open_ids, k=min(len(open_ids), len(open_ids) // 40)))
    slots: dict[tuple, list[int]] = defaultdict(list)
    for pk in chosen:
        day = today + dt.timedelta(days=rng.choice([0, 0, 0, 1, 2]))
        hour = rng.choice([9, 10, 14, 15, 16, 19, 19, 20])
        slots[(day, hour)].append(pk)
    for (day, hour), pks in slots.items():
        VisitTask.objects.filter(pk__in=pks).update(
            appointment_date=day,
            appointment_start=dt.time(hour),
            appointment_end=dt.time(hour + 1),
            method=Method.EXTENDED if hour >= 19 else Method.NORMAL,
        )


def _answers(rng: random.Random, kind: str) -> dict[str, Any]:
    satisfaction = _pick(rng, [("满意", 86), ("基本满意", 12), ("不满意", 2)])
    if kind == "household":
        return {
            "separated": rng.random() < 0.12,
            "rented": rng.random() < 0.18,
            "borrowed_empty": False,
            "satisfaction": satisfaction,
        }
    if kind in {"shop", "enterprise"}:
        return {
            "key_industry": rng.random() < 0.1,
            "key_items": rng.random() < 0.05,
            "key_persons": False,
            "satisfaction": satisfaction,
        }
    return {}


def spot_findings(rng: random.Random, campaign: Campaign, visited: list[tuple]) -> int:
    """About one visit in thirty turns something up; at most a few hundred in the demo.
    `visited`: (visit pk, beat id, task id, client uuid) of the visits that found someone in."""
    from zoufang.campaigns.services import departments_sync
    from zoufang.findings.catalog import catalog_sync
    from zoufang.findings.demo import backdate, part_of_day
    from zoufang.findings.models import FindingKind, Source
    from zoufang.findings.services import finding_create
    from zoufang.org.models import Unit

    departments_sync()
    catalog_sync()  # the findings step runs after this one: the catalogue is made here
    known = set(FindingKind.objects.filter(is_active=True).values_list("code", flat=True))
    pool = [(k, d) for k, d in SPOT_FINDINGS if k in known]
    if not pool:
        return 0
    chosen = [v for v in visited if rng.random() < 1 / 30][:300]
    beats = Unit.objects.in_bulk({beat_id for _v, beat_id, _t, _u in chosen})
    tasks = VisitTask.objects.select_related("place").in_bulk({t for _v, _b, t, _u in chosen})
    ended = dict(
        Visit.objects.filter(pk__in=[v for v, *_r in chosen]).values_list("pk", "ended_at")
    )
    now = timezone.now()
    counts: dict[int, int] = defaultdict(int)
    for visit_pk, beat_id, task_id, client_uuid in chosen:
        kind, text = rng.choice(pool)
        task = tasks[task_id]
        # Raised on the spot: a few minutes after the visit ended, at the visit's address.
        raised = min(ended[visit_pk] + dt.timedelta(minutes=rng.randint(1, 20)), now)
        finding = finding_create(
            actor=None,
            kind_code=kind,
            description=f"{part_of_day(raised)}走访{task.address}时发现:{text}",
            beat=beats[beat_id],
            source=Source.VISIT,
            reporter_name="走访组",
            place=task.place,
            place_text=task.address,
            client_uuid=uuid.uuid5(client_uuid, "finding:0"),
            visit_id=visit_pk,
            campaign=campaign,
        ).finding
        backdate(finding, raised, 0, rng, now)
        counts[visit_pk] += 1
    for pk, n in counts.items():
        Visit.objects.filter(pk=pk).update(finding_count=n)
    return len(chosen)
