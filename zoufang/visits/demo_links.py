"""The demo city's recorded-through-the-service visits, run after the demo logins exist (the
alerts and referrals go to real users): a few 走村 visits with the village form and the six
inspection focuses in the `officer`'s station, one of them naming a planted wanted person (the
`chief` is alerted; the `officer` is only asked to call in), a household visit with opinions on
police work, and findings referred to local government by the `chief` — one answered, one
awaiting, one past its deadline.

Everything goes through the services (`visit_submit`, `finding_refer`), so what the demo shows
is what the product does. Deterministic; like every demo step it runs once, on a new city.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from zoufang.org.models import TeamMember, Unit
from zoufang.registry import services as registry_services
from zoufang.registry.models import Household, KeyPerson
from zoufang.registry.normalize import build_id_number
from zoufang.visits.models import OPEN_STATES, VisitKind, VisitTask
from zoufang.visits.services import VisitInput, visit_submit

NAMESPACE = uuid.UUID("6f1c2b7e-9d4a-4c55-8a51-3d2f0e1a7b11")
WANTED_NAME = "郭某某"

VILLAGE_ANSWERS = [
    {
        "met": ["村(居)委会班子", "网格员", "老党员、老干部"],
        "met_names": "村支书、网格员、两位老党员",
        "met_count": 6,
        "disputes_heard": "两户村民因宅基地界址发生争执,已多次到村委会反映。",
        "hazards_heard": "村西废品收购点夜间无人看管,常有外来车辆停放。",
        "police_shortcomings": "夜间巡逻覆盖不到村西片区,警务室值守时间短。",
        "suggestions": "希望警务室周末有人值守,方便群众办事。",
    },
    {
        "met": ["村(居)委会班子", "人民调解员"],
        "met_names": "居委会主任、调解员",
        "met_count": 4,
        "fire_hazards_heard": "老旧小区楼道电动车充电现象普遍。",
        "security_problems": "近期小区连续发生电动车电瓶被盗。",
    },
    {
        "met": ["网格员", "群众代表"],
        "met_names": "网格员及群众代表五人",
        "met_count": 7,
        "disputes_heard": "流转土地租金拖欠,农户与合作社有矛盾。",
    },
]
FOCUSES = [
    ["key-persons", "key-areas", "disputes", "fire-safety", "fugitives"],
    ["key-areas", "fire-safety", "key-items"],
    ["disputes", "key-persons"],
]
REFERRALS = [
    (
        "township",
        "乡镇人民政府综治中心",
        "刘主任",
        "03745123456",
        5,
        "已组织双方调解,达成书面协议。",
    ),
    ("village", "村民委员会", "张书记", "13903745566", 4, ""),
    ("department", "住建部门物业科", "陈科长", "03745127788", 3, None),  # None: past due
]


def build(ctx: Any) -> None:
    """seed_demo's after-logins step (see zoufang.home.demo.AFTER_LOGINS)."""
    users = get_user_model().objects
    officer = users.filter(username="officer").select_related("unit__parent").first()
    chief = users.filter(username="chief").first()
    if officer is None or chief is None or officer.unit is None:
        return
    campaign = ctx.campaign
    station = officer.unit.parent
    beats = list(Unit.objects.filter(parent=station).order_by("sort_order", "code"))
    wanted_id = _plant_wanted(station)
    village = 0
    for n, beat in enumerate(beats[: len(VILLAGE_ANSWERS)]):
        task = _open_task(campaign, beat, VisitKind.COMMUNITY)
        if task is None:
            continue
        answers = dict(VILLAGE_ANSWERS[n])
        if n == 0 and wanted_id:
            answers["person_id"] = wanted_id  # a stranger the committee mentioned, checked
        actor = officer if beat == officer.unit else chief
        _submit(task, actor, answers, FOCUSES[n], n)
        village += 1
    household = _open_task(campaign, officer.unit, VisitKind.HOUSEHOLD)
    if household is not None:
        _submit(
            household,
            officer,
            {
                "householder_name": "王秀兰",
                "satisfaction": "满意",
                "opinion_areas": ["交通管理", "警民联系"],
                "opinions": "学校门口早晚高峰拥堵,希望增派交警疏导;社区民警电话可以公开。",
            },
            ["disputes", "fire-safety"],
            9,
        )
    referred = _referrals(chief, station)
    ctx.say(f"visits shown end to end: {village} village visits, {referred} referrals")


def _open_task(campaign: Any, beat: Unit, kind: str) -> VisitTask | None:
    return (
        VisitTask.objects.filter(campaign=campaign, beat=beat, kind=kind, state__in=OPEN_STATES)
        .exclude(team=None)
        .order_by("sort_key", "pk")
        .first()
    )


def _submit(task: VisitTask, actor: Any, answers: dict, focuses: list[str], n: int) -> None:
    ended = timezone.now() - dt.timedelta(hours=2 + n)
    members = list(TeamMember.objects.filter(team=task.team).values_list("personnel_id", flat=True))
    visit_submit(
        actor=actor,
        task_id=task.pk,
        data=VisitInput(
            outcome="visited",
            started_at=ended - dt.timedelta(minutes=50),
            ended_at=ended,
            members=members,
            answers=answers,
            topics=["public-security", "drugs", "criminal"],
            focuses=focuses,
        ),
        client_uuid=uuid.uuid5(NAMESPACE, f"visit:{task.pk}"),
    )


def _plant_wanted(station: Unit) -> str:
    """A person of another county bureau recorded as a fugitive (在逃); their ID number."""
    household = (
        Household.objects.exclude(unit_path__startswith=station.parent.path).order_by("pk").first()
    )
    if household is None:
        return ""
    number = build_id_number("411002", dt.date(1979, 3, 14), 417, male=True)
    person = registry_services.person_save(
        person=None,
        household=household,
        changes={"name": WANTED_NAME, "id_number": number, "relation": "other"},
        by=registry_services.Edit(None),
    )
    registry_services.key_person_set(
        person=person,
        category=KeyPerson.Category.FUGITIVE,
        control_level=KeyPerson.Level.CONTROL,
        note="网上在逃人员(演示数据)",
        by=registry_services.Edit(None),
    )
    return number


def _referrals(chief: Any, station: Unit) -> int:
    from zoufang.findings.models import Finding, FindingTransition, Referral
    from zoufang.findings.services.referrals import finding_refer, referral_feedback

    findings = list(
        Finding.objects.open()
        .filter(owner_unit=station, sensitive=False)
        .order_by("created_at", "pk")[: len(REFERRALS)]
    )
    for finding, (kind, body, contact, phone, days, feedback) in zip(
        findings, REFERRALS, strict=False
    ):
        referral = finding_refer(
            finding=finding,
            actor=chief,
            body_kind=kind,
            body_name=body,
            contact_name=contact,
            contact_phone=phone,
            deadline=timezone.now() + dt.timedelta(days=days),
            note="请在当地党委政府领导下共同做好处置化解。",
        )
        if feedback:
            referral_feedback(referral=referral, actor=chief, feedback=feedback)
        elif feedback is None:
            # The demo's history: referred a week ago, the deadline passed without an answer.
            week_ago = timezone.now() - dt.timedelta(days=7)
            Referral.objects.filter(pk=referral.pk).update(
                created_at=week_ago, deadline=timezone.now() - dt.timedelta(days=2)
            )
            FindingTransition.objects.filter(
                finding=finding, action="refer", data__referral=referral.pk
            ).update(at=week_ago)
    return len(findings)
