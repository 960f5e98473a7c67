"""The demo city's publicity and public voice: events of the three drives in the first county
bureau (the demo logins' chain) and a few elsewhere, leaflet stock issued to every county
bureau and to the first county's stations (one station runs low), and what residents sent
through the public page of a few beats — ratings, suggestions, visit requests, a clue and one
link-spam held for the office's moderation queue. Residents' submissions go through the same
services as the public page, so they land in the ledger and on the teams' lists."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from zoufang.campaigns.models import CatalogItem
from zoufang.org.models import Personnel, Unit
from zoufang.outreach.models import DriveEvent, EventLeaflet, LeafletIssue
from zoufang.outreach.services.public import (
    public_clue,
    public_opinion,
    public_rate,
    public_visit_request,
)
from zoufang.outreach.sheets import beat_token

EVENTS = {
    "anti-drug-626": ["广场禁毒宣传咨询", "禁毒知识进校园", "社区禁毒展板巡展"],
    "civil-traffic": ["路口文明交通劝导", "电动车安全头盔宣传"],
    "anti-fraud": ["银行网点反诈提醒", "老年活动中心反诈讲座", "商超门口反诈宣传"],
}
OPINIONS = [
    "小区北门路灯坏了两个月,晚上回家很黑,希望协调修好。",
    "建议在学校门口上下学时段多安排警力疏导交通。",
    "民警上门讲反诈很实用,希望多来几次,老人容易上当。",
    "夜市散场后有人飙车,噪音很大,希望加强巡逻。",
    "希望公布社区民警的联系电话,有事好找人。",
]
SPAM = "加微信领红包 www.hongbao-example.com 先到先得"


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo)."""
    campaign = ctx.campaign
    rng = random.Random(626)
    county = Unit.objects.filter(level=Unit.Level.COUNTY).order_by("sort_order", "code").first()
    stations = list(Unit.objects.filter(parent=county).order_by("sort_order", "code")[:3])
    beat = Unit.objects.filter(parent=stations[0]).order_by("sort_order", "code").first()
    events = _events(campaign, rng, county, stations)
    _stock(campaign, stations)
    sent = _public(rng, beat, stations)
    ctx.built["outreach"] = {"events": events, "public": sent}
    ctx.say(
        f"outreach: {events} drive events, {sent} public submissions; public page of "
        f"{beat.name}: /p/{beat_token(beat)}/"
    )


def _events(campaign: Any, rng: random.Random, county: Unit, stations: list[Unit]) -> int:
    drives = {d.code: d for d in CatalogItem.objects.filter(campaign=campaign, kind="drive")}
    leaflets = list(CatalogItem.objects.filter(campaign=campaign, kind="leaflet").order_by("order"))
    phase = campaign.phases.filter(kind="visiting").first()
    today = timezone.localdate()
    first = phase.start_date if phase else campaign.start_date
    organisers = [county, *stations, *(Unit.objects.filter(parent=stations[0])[:2])]
    n = 0
    for code, titles in EVENTS.items():
        drive = drives.get(code)
        if drive is None:
            continue
        for i, title in enumerate(titles):
            unit = organisers[(i + n) % len(organisers)]
            day = min(
                today, first + dt.timedelta(days=rng.randint(0, max(0, (today - first).days)))
            )
            event = DriveEvent.objects.create(
                campaign=campaign,
                drive=drive,
                title=title,
                date=day,
                unit=unit,
                unit_path=unit.path,
                place_text=f"{unit.name}辖区{rng.choice(['文化广场', '农贸市场', '中心小学', '社区服务中心'])}",
                people_reached=rng.randint(60, 600),
            )
            event.officers.set(Personnel.objects.filter(unit=unit)[:3])
            if unit.parent_id:
                event.co_units.set(Unit.objects.filter(parent=unit.parent).exclude(pk=unit.pk)[:1])
            EventLeaflet.objects.bulk_create(
                EventLeaflet(event=event, item=item, quantity=rng.randint(50, 400))
                for item in leaflets
            )
            n += 1
    return n


def _stock(campaign: Any, stations: list[Unit]) -> None:
    leaflets = list(CatalogItem.objects.filter(campaign=campaign, kind="leaflet"))
    rows = []
    for county in Unit.objects.filter(level=Unit.Level.COUNTY):
        rows += [_issue(campaign, item, county, 20000, "市局统一印制下发") for item in leaflets]
    for i, station in enumerate(stations):
        # The third station got little: its stock shows the low-stock warning.
        quantity = 300 if i == 2 else 5000
        rows += [_issue(campaign, item, station, quantity, "分局转发") for item in leaflets]
    LeafletIssue.objects.bulk_create(rows)


def _issue(campaign: Any, item: CatalogItem, unit: Unit, quantity: int, note: str) -> LeafletIssue:
    return LeafletIssue(
        campaign=campaign, item=item, unit=unit, unit_path=unit.path, quantity=quantity, note=note
    )


def _public(rng: random.Random, beat: Unit, stations: list[Unit]) -> int:
    beats = [beat, *Unit.objects.filter(parent__in=stations).exclude(pk=beat.pk)[:4]]
    today = timezone.localdate()
    n = 0
    answers = ["satisfied"] * 7 + ["fair"] * 2 + ["dissatisfied"]
    for b in beats:
        for _ in range(rng.randint(4, 9)):
            public_rate(
                beat=b,
                satisfaction=rng.choice(answers),
                safety=rng.choice(["safe", "safe", "fair", "unsafe"]),
                topics_explained=rng.random() < 0.8,
            )
            n += 1
    for i, text in enumerate(OPINIONS):
        public_opinion(beat=beats[i % len(beats)], text=text)
        n += 1
    public_visit_request(
        beat=beat,
        address=f"{beat.name}幸福路18号3单元402",
        date=today,
        start=dt.time(19, 0),
        end=dt.time(20, 30),
        phone="13837401234",
        name="张女士",
    )
    public_visit_request(
        beat=beat,
        address=f"{beat.name}幸福路20号1单元101",
        date=today + dt.timedelta(days=2),
        start=dt.time(9, 0),
        end=dt.time(11, 0),
        phone="13937405678",
    )
    public_clue(
        beat=beat,
        clue_kind="fraud",
        text="有人在小区门口以送鸡蛋为名推销“保健品”,专找老人,要求扫码付款。",
        anonymous=True,
    )
    public_opinion(beat=beat, text=SPAM)  # held for the office's moderation queue
    return n + 4
