"""Supervision's part of the demo city (a step of `zoufang.home.demo.STEPS`): the office's
settings, a verification sample half verified, the county bureaus paired for
cross-inspection with most inspections done, a station pairing left as a draft, score
snapshots across the campaign, a published commendation list, a proposed accountability
list and key-deepening targets.

The score history before today is demo data: today's scores are computed from the demo's
records, and each earlier day's is today's scaled back along the campaign (with noise), so
the trend chart has a line to show. A real campaign's history comes from the periodic
snapshot task, one row per unit and day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from zoufang.core.roles import Role
from zoufang.org.models import Unit
from zoufang.supervision.models import CrossInspection, ScoreSnapshot, VerificationTask
from zoufang.supervision.services import deepening, honours, pairing, sampling
from zoufang.supervision.services.config import settings_for
from zoufang.supervision.services.inspection import inspection_record
from zoufang.supervision.services.scores import snapshot_take
from zoufang.supervision.services.verification import verification_record

SEED = 411000


def build(ctx: Any) -> None:
    campaign = ctx.campaign
    rng = random.Random(SEED)
    settings_for(campaign)
    office, verifier = _demo_users()
    sample = _verification(campaign, office, verifier, rng)
    done = _inspections(campaign, office, rng)
    days = _snapshots(campaign, rng)
    lists = _lists(campaign, office)
    targets = _deepening(campaign, office, verifier)
    ctx.say(
        f"supervision: {sample.size} visits sampled for verification, {done} cross-inspections "
        f"done, {days} days of scores, {lists} lists, {targets} key-deepening targets"
    )


def _demo_users() -> tuple[Any, Any]:
    """The office and a supervision-group member of 长葛市局 who did the demo's
    verifications (not a login: the `supervisor` login comes with seed_demo's logins)."""
    User = get_user_model()
    last_county = Unit.objects.filter(level=Unit.Level.COUNTY).order_by("-code").first()
    office, _ = User.objects.get_or_create(
        username="demo-office",
        defaults={"role": Role.OFFICE, "is_active": False, "first_name": "专项办"},
    )
    verifier, _ = User.objects.get_or_create(
        username="demo-supervisor",
        defaults={
            "role": Role.SUPERVISOR,
            "is_active": False,
            "unit": last_county,
            "first_name": "督导组",
        },
    )
    return office, verifier


def _verification(campaign: Any, office: Any, verifier: Any, rng: random.Random) -> Any:
    """2 % of completed visits, at least 3 per station; three in five verified (some found
    not to have happened or with wrong facts), the rest left for the `supervisor` login."""
    sample = sampling.sample_create(
        campaign=campaign,
        actor=office,
        percent=Decimal(2),
        minimum=3,
        take_all_when_short=True,
        seed=SEED,
    )
    for task in VerificationTask.objects.filter(sample=sample).order_by("pk"):
        if rng.random() > 0.6 or task.unit_path.startswith(verifier.unit.path):
            continue
        roll = rng.random()
        happened = roll > 0.06
        verification_record(
            task=task,
            actor=verifier,
            method=rng.choice(["on_site", "phone", "phone"]),
            happened="yes" if happened else "no",
            facts_right="yes" if roll > 0.14 else "no",
            satisfaction=rng.choice(["satisfied"] * 6 + ["basic", "dissatisfied"]),
            note="" if happened else "住户称未见民警上门",
        )
    return sample


def _inspections(campaign: Any, office: Any, rng: random.Random) -> int:
    city = Unit.objects.get(level=Unit.Level.CITY)
    county_pairing = pairing.pairing_create(campaign=campaign, parent=city, actor=office, seed=SEED)
    pairing.pairing_confirm(pairing=county_pairing, actor=office)
    first_county = Unit.objects.filter(level=Unit.Level.COUNTY).order_by("code").first()
    pairing.pairing_create(campaign=campaign, parent=first_county, actor=office, seed=SEED)
    done = 0
    # Four of the six done, with different findings (the met items per inspection).
    patterns = [4, 3, 2, 4]
    for insp, n_met in zip(
        CrossInspection.objects.filter(pairing=county_pairing).order_by("pk"),
        patterns,
        strict=False,
    ):
        failed = set(rng.sample(CrossInspection.CHECKLIST, 4 - n_met))
        checklist = {k: "no" if k in failed else "yes" for k in CrossInspection.CHECKLIST}
        met = sum(v == "yes" for v in checklist.values())
        inspection_record(
            inspection=insp,
            actor=office,
            checklist=checklist,
            result="good" if met == 4 else "adequate" if met >= 2 else "poor",
            evidence="抽查走访记录 10 份、问题线索 5 条;"
            + (
                "下沉民警全部在岗。"
                if checklist["people_deployed"] == "yes"
                else "2 名机关民警未到责任区。"
            ),
        )
        done += 1
    return done


def _snapshots(campaign: Any, rng: random.Random) -> int:
    today = timezone.localdate()
    snapshot_take(campaign, today)
    todays = list(ScoreSnapshot.objects.filter(campaign=campaign, day=today).select_related("unit"))
    days = (today - campaign.start_date).days
    for back in range(1, days + 1):
        day = today - dt.timedelta(days=back)
        share = max(0.2, 1 - back / (days + 4))
        groups: dict[int | None, list[ScoreSnapshot]] = defaultdict(list)
        for s in todays:
            score = float(s.score) * share * rng.uniform(0.97, 1.03)
            groups[s.unit.parent_id].append(
                ScoreSnapshot(
                    campaign=campaign,
                    day=day,
                    unit=s.unit,
                    unit_path=s.unit_path,
                    level=s.level,
                    score=Decimal(str(round(min(score, 100), 2))),
                    rank=0,
                    components={},
                )
            )
        rows = []
        for group in groups.values():
            group.sort(key=lambda s: -s.score)
            for rank, s in enumerate(group, start=1):
                s.rank = rank
            rows.extend(group)
        ScoreSnapshot.objects.bulk_create(rows, batch_size=1000)
    return days + 1


def _lists(campaign: Any, office: Any) -> int:
    commend = honours.honour_propose(campaign=campaign, kind="commend", actor=office)
    honours.honour_confirm(honour_list=commend, actor=office)
    honours.honour_publish(honour_list=commend, actor=office)
    honours.honour_propose(campaign=campaign, kind="account", actor=office)
    return 2


def _deepening(campaign: Any, office: Any, verifier: Any) -> int:
    """The demo's today is in the visiting phase: the proposals are made ahead of the
    key-deepening phase (`any_phase`) so the board has something to show."""
    targets = deepening.deepening_propose(campaign=campaign, actor=office, any_phase=True)
    if targets:
        deepening.deepening_confirm(
            target=targets[0],
            actor=office,
            plan="每周两次入户补访,逐户销号;隐患清单周报",
            leader="分管副局长",
            supervisor=verifier,
        )
        deepening.deepening_progress_add(
            target=targets[0], actor=office, note="第一周补访 86 户,整改隐患 5 处"
        )
    return len(targets)
