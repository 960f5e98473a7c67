"""Demo findings: every kind across the demo city, in every state, some overdue.

Deterministic (fixed seed). Findings are made through the real services (routing, numbers,
transition rows, notifications), then their times are moved into the past so the ledger,
deadlines and figures look like day 11 of the campaign; finally the overdue sweep runs.

Each finding is at a real registry address of its beat (its `place`), and its description is
built from a template with that address, the day and hour it was raised and a detail of its
kind, so no two read word for word alike and none names another place than its own.

Dispatching is done by the demo logins `chief` and `officer` where their station is involved
(so "my findings" has work in it) and elsewhere by `office` (the campaign office). The three
accounts are created here with the role and unit seed_demo gives them; it sets their
passwords afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from zoufang.campaigns.services import departments_sync
from zoufang.core.roles import Role
from zoufang.findings.catalog import catalog_sync
from zoufang.findings.models import Finding, FindingKind, FindingTransition, State
from zoufang.findings.services.create import finding_create
from zoufang.findings.services.sweep import findings_sweep
from zoufang.findings.services.workflow import finding_transition
from zoufang.org.models import Personnel, Unit, User

SEED = 5_411_000
# Every kind in every state: enough for the demo at any scale (each goes through the real
# services, routing and notifications, at a few tens of milliseconds apiece).
FINDINGS = 300

TEXTS = {
    "opinion": [
        "建议在小区门口增设路灯和监控",
        "希望派出所延长户籍窗口办理时间",
        "群众反映夜间巡逻少,希望加密巡逻",
    ],
    "security-problem": [
        "夜市周边经常有人酒后滋事",
        "学校门口上下学时段秩序混乱",
        "广场周边电动车被盗较多",
    ],
    "clue": ["群众反映有人收购来历不明的手机", "有人冒充工作人员上门推销"],
    "clue-terror": ["有人在出租屋内散布极端言论,情况待核实", "反映有外来人员聚集,行为异常"],
    "clue-gang": ["某娱乐场所疑似有人收取保护费", "有人强揽工程、威胁他人"],
    "clue-vice": ["棋牌室疑似聚众赌博", "出租屋内疑似有人吸毒", "足疗店疑似存在卖淫嫖娼"],
    "clue-fraud": ["老人接到冒充公检法电话,险被骗", "有人以刷单返利为名拉人进群"],
    "clue-other": ["小区内多辆汽车被划", "有人在村里私自收购废旧电缆"],
    "dispute": ["两家因宅基地边界发生争执"],
    "dispute-neighbour": [
        "楼上漏水引发邻里纠纷",
        "邻居在楼道堆放杂物引发争吵",
        "装修噪音扰民,双方多次争吵",
    ],
    "dispute-family": ["夫妻因赡养老人问题多次争吵", "兄弟因遗产分割发生矛盾"],
    "dispute-property": ["业主与物业因停车费发生冲突", "物业断水断电,业主不满"],
    "dispute-labour": ["建筑工地拖欠农民工工资", "小作坊辞退员工未结清工资"],
    "dispute-other": ["商户与顾客因退货发生纠纷"],
    "hazard": ["废弃厂房无人看管,存在安全隐患"],
    "hazard-fire": ["楼道内停放电动车并私拉电线充电", "门店住人,三合一场所", "仓库消防通道被堵塞"],
    "hazard-security": ["小区监控多处损坏未修", "出租屋门锁损坏,无人登记"],
    "hazard-traffic": ["村口路段无减速带,车速快", "学校门口缺少交通标志"],
    "hazard-production": ["小作坊违规存放易燃化学品", "工地塔吊未按规定检测"],
    "fugitive": ["群众反映网上追逃人员疑似在本村出现"],
    "police-shortcoming": ["群众反映报警后出警较慢", "社区民警联系方式群众不知道"],
}

# How a report opens ({when}: the day and part of day it was raised; {place}: its registry
# address; {who}: the resident) and how it may close. With the details above and real
# addresses, no two descriptions are the same.
OPENERS = [
    "{when}走访{place}时,{who}反映:",
    "{when},{place}{who}向走访民警反映,",
    "{who}({place})于{when}来电反映:",
    "{when}入户走访{place},发现",
    "{place}{who}{when}报称,",
]
CLOSERS = [
    "",
    "希望尽快处理。",
    "请求民警介入。",
    "已初步登记,待核实。",
    "现场已拍照留存。",
    "涉及周边住户{n}户。",
    "已持续{n}天。",
]
# Finding kinds that happen at a shop or an enterprise rather than a home.
PLACE_KINDS = {
    "hazard-production": "enterprise",
    "dispute-labour": "enterprise",
    "dispute-other": "shop",
    "clue-vice": "shop",
    "clue-gang": "shop",
    "hazard-fire": "shop",
}


def part_of_day(moment: dt.datetime) -> str:
    """ "6月26日上午" for a moment in the campaign's time zone."""
    local = timezone.localtime(moment)
    part = "上午" if local.hour < 12 else ("下午" if local.hour < 18 else "晚上")
    return f"{local.month}月{local.day}日{part}"


def describe(rng: random.Random, kind_code: str, place: str, raised: dt.datetime, who: str) -> str:
    """A description from the templates: opener (when, where, who), a detail, a closer."""
    detail = rng.choice(TEXTS.get(kind_code, ["走访中发现的问题"]))
    opener = rng.choice(OPENERS).format(when=part_of_day(raised), place=place, who=who)
    closer = rng.choice(CLOSERS).format(n=rng.randint(2, 12))
    return f"{opener}{detail}。{closer}".replace("。。", "。")


class BeatPlaces:
    """A few real registry addresses of each beat, read once per beat as they are needed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cache: dict[int, list[tuple[int, str]]] = {}

    def pick(self, beat: Unit, kind_code: str) -> Any:
        from zoufang.registry.models import Place

        if beat.pk not in self.cache:
            self.cache[beat.pk] = list(
                Place.objects.filter(beat_id=beat.pk).order_by("pk").values_list("pk", "kind")[:300]
            )
        rows = self.cache[beat.pk]
        if not rows:
            return None
        wanted = PLACE_KINDS.get(kind_code, "dwelling")
        pool = [pk for pk, kind in rows if kind == wanted] or [pk for pk, _k in rows]
        return Place.objects.select_related("beat").get(pk=self.rng.choice(pool))


# (target state, weight). "overdue" happens by itself: old open findings pass their deadline.
TARGETS = [
    (State.RAISED, 10),
    (State.TRIAGED, 8),
    (State.ASSIGNED, 10),
    (State.IN_PROGRESS, 18),
    (State.RESOLVED, 10),
    (State.FOLLOWED_UP, 5),
    (State.CLOSED, 24),
    (State.RETURNED, 3),
    (State.TRANSFER_PENDING, 3),
    (State.ESCALATED, 4),
    ("reopened", 5),
]


def _system_user() -> User:
    """The `office` demo login (seed_demo sets its password afterwards)."""
    user, _ = User.objects.get_or_create(
        username="office", defaults={"role": Role.OFFICE, "first_name": "专项办"}
    )
    return user


def _login_users(org: Any) -> tuple[User | None, User | None]:
    """The `chief` and `officer` demo logins (seed_demo gives them passwords afterwards)."""
    county = org.counties[0]
    station = next(s for s in org.stations if s.parent_id == county.pk)
    beat = next(b for b in org.beats if b.parent_id == station.pk)
    chief_p = Personnel.objects.filter(unit=station, post=Personnel.Post.COMMAND).first()
    officer_p = Personnel.objects.filter(beat=beat, post=Personnel.Post.COMMUNITY).first()
    chief, _ = User.objects.get_or_create(
        username="chief",
        defaults={"role": Role.STATION_CHIEF, "unit": station, "personnel": chief_p},
    )
    officer, _ = User.objects.get_or_create(
        username="officer",
        defaults={"role": Role.COMMUNITY_OFFICER, "unit": beat, "personnel": officer_p},
    )
    return chief, officer


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo): findings across the city."""
    ctx.built["findings"] = build_demo_findings(
        campaign=ctx.campaign, org=ctx.org, stdout=ctx.stdout, scale=ctx.scale
    )


@transaction.atomic
def build_demo_findings(*, campaign: Any, org: Any, stdout: Any, scale: int = 1) -> list[Finding]:
    rng = random.Random(SEED)
    departments_sync()
    catalog_sync()
    dispatcher = _system_user()
    chief, officer = _login_users(org)
    kinds = list(FindingKind.objects.filter(is_active=True).order_by("sort_order"))
    beats: list[Unit] = list(org.beats)
    home_beat = officer.unit if officer else beats[0]
    now = timezone.now()
    total = FINDINGS  # the same at every scale: each through the real services
    made: list[Finding] = []
    targets, weights = zip(*TARGETS, strict=True)
    places = BeatPlaces(rng)
    for i in range(total):
        kind = kinds[i % len(kinds)]
        # A sixth of the findings are in the officer's own beat, so every login has work.
        beat = home_beat if i % 6 == 0 else rng.choice(beats)
        grade = rng.choices(["general", "serious", "major"], [80, 17, 3])[0]
        if kind.sensitive:
            grade = "serious"
        in_home = beat.pk == home_beat.pk
        reporter = officer if in_home and i % 2 == 0 else None
        # Age: open findings up to 9 days old (some past their deadline), settled ones 19.
        target = rng.choices(targets, weights)[0]
        settled = target in (State.RESOLVED, State.FOLLOWED_UP, State.CLOSED, "reopened")
        # ... but never before the campaign began.
        since_start = int((now - _campaign_start(campaign)).total_seconds() // 3600)
        oldest = max(3, min((19 if settled else 9) * 24, since_start))
        raised = now - dt.timedelta(hours=rng.randint(2, oldest))
        place = places.pick(beat, kind.code)
        resident = rng.choice(["张", "王", "李", "赵", "刘", "陈"]) + rng.choice(
            ["先生", "女士", "大爷", "阿姨"]
        )
        where = str(place) if place is not None else beat.name
        f = finding_create(
            actor=reporter,
            kind_code=kind.code,
            description=describe(rng, kind.code, where, raised, resident),
            beat=beat,
            place=place,
            place_text=where,
            grade=grade,
            source=rng.choice(["officer", "visit", "visit", "public"])
            if reporter is None
            else "officer",
            reporter_name="" if reporter else "走访民警",
            resident_name=resident,
            resident_phone=f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}",
            campaign=campaign,
        ).finding
        steps = _drive(f, target, rng, dispatcher=dispatcher, chief=chief, officer=officer)
        backdate(f, raised, steps, rng, now)
        current = Finding.objects.get(pk=f.pk)
        if rng.random() < 0.06 and current.state != State.CLOSED:
            finding_transition(
                finding=current,
                actor=dispatcher,
                action="supervise",
                version=None,
                comment="专项办挂牌督办",
            )
        made.append(f)
    result = findings_sweep(now=now)
    stdout.write(
        f"findings: {len(made)} findings of {len(kinds)} kinds, "
        f"{result.overdue} overdue, {result.escalated} escalated"
    )
    return made


def _campaign_start(campaign: Any) -> dt.datetime:
    """Nine in the morning of the campaign's first day: nothing is raised before it."""
    return timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time(9)))


def _actor_for(f: Finding, dispatcher: User, chief: User | None) -> User:
    if chief is not None and f.owner_path.startswith(chief.unit.path):
        return chief
    return dispatcher


def _drive(
    f: Finding,
    target: str,
    rng: random.Random,
    *,
    dispatcher: User,
    chief: User | None,
    officer: User | None,
) -> int:
    """Take a finding along the life cycle to `target`. Returns the number of steps."""

    def do(action: str, **kw: Any) -> None:
        nonlocal f
        current = Finding.objects.select_related("owner_unit").get(pk=f.pk)
        actor = kw.pop("actor", None) or _actor_for(current, dispatcher, chief)
        f = finding_transition(finding=current, actor=actor, action=action, version=None, **kw)

    if target == State.RAISED:
        return 0
    if f.owner_unit.parent_id is None and target in (State.RETURNED, State.ESCALATED):
        target = State.TRIAGED  # the city has no unit above it
    if target == State.RETURNED:
        do("return", comment="经核实不属于本单位管辖,退回重新分流")
        return 1
    if target == State.ESCALATED:
        do("escalate", comment="涉及多个单位,提请上级协调")
        return 1
    do("triage", comment=rng.choice(["情况属实", "已核实", ""]))
    if target == State.TRIAGED:
        return 1
    if target == State.TRANSFER_PENDING:
        others = list(
            Unit.objects.filter(level=Unit.Level.STATION, parent_id=f.owner_unit.parent_id).exclude(
                pk=f.owner_unit_id
            )[:3]
        ) or list(Unit.objects.filter(level=Unit.Level.STATION).exclude(pk=f.owner_unit_id)[:3])
        do("transfer", unit=rng.choice(others), comment="事发地属相邻派出所辖区")
        return 2
    home = officer is not None and f.beat_id == officer.unit_id
    if home and f.owner_path.startswith(officer.unit.path.rsplit("/", 2)[0]):
        do("assign", assignee=officer, comment="请社区民警核实处置")
    else:
        do(
            "assign",
            unit=f.owner_unit if f.owner_unit.level >= Unit.Level.STATION else _station_of(f),
            comment="请属地派出所处置",
        )
    if target == State.ASSIGNED:
        return 2
    handler = officer if f.assignee_id and officer and f.assignee_id == officer.pk else None
    do("start", actor=handler)
    if target == State.IN_PROGRESS:
        return 3
    do(
        "resolve",
        actor=handler,
        comment=rng.choice(
            ["已调解,双方达成一致", "已督促整改,隐患消除", "已立案调查", "已向群众解释说明"]
        ),
    )
    if target == State.RESOLVED:
        return 4
    satisfied = target != "reopened"
    do(
        "follow_up",
        actor=handler,
        satisfied=satisfied,
        comment="电话回访" if satisfied else "群众表示问题仍未解决",
    )
    if target in (State.FOLLOWED_UP, "reopened"):
        return 5
    do("close", comment="处置完毕,办结")
    return 6


def _station_of(f: Finding) -> Unit:
    return f.beat.parent


def backdate(
    f: Finding, raised: dt.datetime, steps: int, rng: random.Random, now: dt.datetime
) -> None:
    """Move the finding's times into the past: raised at `raised`, each later step a few
    hours to two days after the previous one (never after now)."""
    f = Finding.objects.get(pk=f.pk)
    shift = f.created_at - raised
    rows = list(f.transitions.order_by("at", "pk"))
    t = raised
    stamps = {}
    for i, row in enumerate(rows):
        if i:
            t = min(t + dt.timedelta(hours=rng.randint(2, 40)), now - dt.timedelta(minutes=5))
        row.at = t
        stamps.setdefault(row.action, t)
    FindingTransition.objects.bulk_update(rows, ["at"])
    updates = {
        "created_at": raised,
        "deadline": f.deadline - shift,
        "due_at": f.due_at - shift if f.due_at else None,
        "escalate_at": f.escalate_at - shift if f.escalate_at else None,
        "triaged_at": stamps.get("triage") or stamps.get("assign") if f.triaged_at else None,
        "resolved_at": stamps.get("resolve") if f.resolved_at else None,
        "closed_at": stamps.get("close") if f.closed_at else None,
    }
    resolved = updates["resolved_at"]
    if resolved is not None and resolved > updates["deadline"]:
        updates["was_overdue"] = True
    Finding.objects.filter(pk=f.pk).update(**updates)
    del steps
