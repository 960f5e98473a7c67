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
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.org.models import TeamMember
from zoufang.visits import formschema
from zoufang.visits.models import (
    OUTCOME_TO_STATE,
    CorrectionRequest,
    Method,
    Outcome,
    TaskEvent,
    TaskState,
    Visit,
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


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo): tasks for every place, a share of them
    called on by the demo's today."""
    build_demo_visits(campaign=ctx.campaign, org=ctx.org, stdout=ctx.stdout, scale=ctx.scale)


@transaction.atomic
def build_demo_visits(*, campaign: Campaign, org: Any, stdout: Any = None, scale: int = 1) -> None:
    rng = random.Random(SEED)
    created = 0
    for beat in org.beats:
        created += tasks_generate(campaign=campaign, beat=beat, actor=None).created
    today = timezone.localdate()
    days = [
        campaign.start_date + dt.timedelta(days=n)
        for n in range(max(1, (today - campaign.start_date).days))
    ]
    days = [d for d in days if d < today] or [today - dt.timedelta(days=1)]
    topics = list(
        CatalogItem.objects.filter(campaign=campaign, kind=CatalogItem.Kind.TOPIC).order_by("order")
    )
    leaflets = list(
        CatalogItem.objects.filter(campaign=campaign, kind=CatalogItem.Kind.LEAFLET).order_by(
            "order"
        )
    )
    forms = {k: formschema.form_for(campaign, k) for k in OUTCOMES}
    members_of: dict[int, list[int]] = defaultdict(list)
    for team_id, personnel_id in TeamMember.objects.filter(campaign=campaign).values_list(
        "team_id", "personnel_id"
    ):
        members_of[team_id].append(personnel_id)

    tasks = list(VisitTask.objects.filter(campaign=campaign).order_by("pk").select_related("place"))
    visits: list[Visit] = []
    extras: list[tuple[Visit, list[int], list[CatalogItem], list[tuple[CatalogItem, int]]]] = []
    touched: list[VisitTask] = []
    for task in tasks:
        if rng.random() >= SHARE_CALLED or not members_of.get(task.team_id):
            continue
        calls = [_pick(rng, OUTCOMES[task.kind])]
        if calls[0] == Outcome.NOBODY_HOME and rng.random() < 0.45:
            calls.append(Outcome.VISITED)  # the off-hours retry found them in
        day_pool = sorted(rng.sample(days, k=min(len(calls), len(days))))
        while len(day_pool) < len(calls):
            day_pool.append(day_pool[-1])
        team_members = members_of[task.team_id]
        for n, outcome in enumerate(calls):
            retry = n > 0
            start = _moment(rng, day_pool[n], evening=retry)
            minutes = rng.randint(12, 40) if outcome == Outcome.VISITED else rng.randint(2, 6)
            present = (
                team_members
                if rng.random() < 0.7
                else rng.sample(team_members, k=max(1, min(len(team_members), rng.randint(2, 3))))
            )
            chosen_topics: list[CatalogItem] = []
            chosen_leaflets: list[tuple[CatalogItem, int]] = []
            answers: dict[str, Any] = {}
            if outcome == Outcome.VISITED:
                chosen_topics = (
                    topics if rng.random() < 0.72 else rng.sample(topics, k=rng.randint(2, 5))
                )
                chosen_leaflets = [
                    (item, rng.randint(1, 3)) for item in leaflets if rng.random() < 0.6
                ]
                answers = _answers(rng, task.kind)
            visit = Visit(
                task=task,
                campaign=campaign,
                beat_id=task.beat_id,
                unit_path=task.unit_path,
                kind=task.kind,
                place_id=task.place_id,
                team_id=task.team_id,
                outcome=outcome,
                method=Method.STAGGERED if retry else task.method,
                started_at=start,
                ended_at=start + dt.timedelta(minutes=minutes),
                form=forms.get(task.kind) if outcome == Outcome.VISITED else None,
                answers=answers,
                topic_count=len(chosen_topics),
                leaflet_count=sum(q for _i, q in chosen_leaflets),
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                payload_hash=hashlib.sha256(f"demo:{task.pk}:{n}".encode()).hexdigest(),
            )
            visits.append(visit)
            extras.append((visit, present, chosen_topics, chosen_leaflets))
        last = visits[-1]
        task.state = OUTCOME_TO_STATE[Outcome(last.outcome)]
        task.attempts = len(calls)
        task.last_visit_at = last.ended_at
        task.retry_off_hours = task.state == TaskState.RETRY
        touched.append(task)
    Visit.objects.bulk_create(visits, batch_size=2000)
    VisitMember.objects.bulk_create(
        (
            VisitMember(
                visit=v,
                personnel_id=p,
                unit_path=v.unit_path,
                campaign=campaign,
                outcome=v.outcome,
            )
            for v, present, _t, _l in extras
            for p in present
        ),
        batch_size=5000,
    )
    VisitTopic.objects.bulk_create(
        (VisitTopic(visit=v, item=t) for v, _p, ts, _l in extras for t in ts), batch_size=5000
    )
    VisitLeaflet.objects.bulk_create(
        (VisitLeaflet(visit=v, item=i, quantity=q) for v, _p, _t, ls in extras for i, q in ls),
        batch_size=5000,
    )
    # Set-based: one UPDATE per (state, attempts) group, then the last call's time.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for t in touched:
        groups[(t.state, t.attempts, t.retry_off_hours)].append(t.pk)
    for (state, attempts, retry), pks in groups.items():
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
    TaskEvent.objects.bulk_create(
        (
            TaskEvent(task=v.task, action="visit", new=OUTCOME_TO_STATE[Outcome(v.outcome)])
            for v in visits
        ),
        batch_size=5000,
    )
    last_per_task = {v.task_id: v for v in visits}
    CorrectionRequest.objects.bulk_create(
        CorrectionRequest(
            visit=v,
            task_id=v.task_id,
            place_id=v.place_id,
            beat_id=v.beat_id,
            unit_path=v.unit_path,
            reason=v.outcome,
        )
        for v in last_per_task.values()
        if v.outcome in {Outcome.NOT_FOUND, Outcome.DEMOLISHED, Outcome.VACANT}
    )
    raised = _findings(rng, campaign, [v for v in visits if v.outcome == Outcome.VISITED])
    _appointments(rng, campaign, today)
    if stdout is not None:
        stdout.write(
            f"visits: {VisitTask.objects.filter(campaign=campaign).count()} tasks "
            f"({created} new), {len(visits)} visits to {len(touched)} addresses, "
            f"{raised} findings raised on visits"
        )


def _appointments(rng: random.Random, campaign: Campaign, today: dt.date) -> None:
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


def _findings(rng: random.Random, campaign: Campaign, visited: list[Visit]) -> int:
    """About one visit in thirty turns something up; at most a few hundred in the demo."""
    from zoufang.findings.models import FindingKind, Source
    from zoufang.findings.services import finding_create

    known = set(FindingKind.objects.filter(is_active=True).values_list("code", flat=True))
    pool = [(k, d) for k, d in SPOT_FINDINGS if k in known]
    if not pool:
        return 0
    chosen = [v for v in visited if rng.random() < 1 / 30][:300]
    from zoufang.org.models import Unit

    beats = Unit.objects.in_bulk({v.beat_id for v in chosen})
    counts: dict[int, int] = defaultdict(int)
    for visit in chosen:
        kind, text = rng.choice(pool)
        finding_create(
            actor=None,
            kind_code=kind,
            description=text,
            beat=beats[visit.beat_id],
            source=Source.VISIT,
            reporter_name="走访组",
            place=visit.task.place,
            place_text=visit.task.address,
            client_uuid=uuid.uuid5(visit.client_uuid, "finding:0"),
            visit_id=visit.pk,
            campaign=campaign,
        )
        counts[visit.pk] += 1
    for pk, n in counts.items():
        Visit.objects.filter(pk=pk).update(finding_count=n)
    return len(chosen)
