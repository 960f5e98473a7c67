"""The Xuchang-shaped demo organisation: six county bureaus with their GB/T 2260 codes,
stations, community and village beats, personnel and bundled visit teams.

Deterministic: the same scale gives the same city (names from Faker zh_CN with a fixed seed).
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from faker import Faker

from zoufang.org.models import Department, Personnel, Team, TeamMember, Unit

# The city's shape is data (demo_city.toml): the bureaus, stations and beat-name stems.
_CITY = tomllib.loads((Path(__file__).with_name("demo_city.toml")).read_text(encoding="utf-8"))
CITY = (_CITY["city"]["code"], _CITY["city"]["name"])
COUNTIES = [(c["code"], c["name"], c["stations"]) for c in _CITY["counties"]]
BEAT_STEMS: list[str] = _CITY["beat_stems"]
BEATS_PER_STATION = 5


@dataclass
class DemoOrg:
    city: Unit
    counties: list[Unit] = field(default_factory=list)
    stations: list[Unit] = field(default_factory=list)
    beats: list[Unit] = field(default_factory=list)
    people: list[Personnel] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)


class _Numbers:
    def __init__(self) -> None:
        self.officer = 100000
        self.auxiliary = 10000

    def next_officer(self) -> str:
        self.officer += 1
        return f"{self.officer:06d}"

    def next_auxiliary(self) -> str:
        self.auxiliary += 1
        return f"F{self.auxiliary:05d}"


def _unit(
    code: str, name: str, level: int, parent: Unit | None, order: int, **extra: object
) -> Unit:
    return Unit(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=Unit.build_path(parent, code),
        sort_order=order,
        **extra,
    )


class _People:
    """Makes the demo's personnel rows (names from Faker with a fixed seed)."""

    def __init__(self, rng: random.Random, fake: Faker, year: int) -> None:
        self.rng, self.fake, self.year = rng, fake, year
        self.numbers = _Numbers()
        self.rows: list[Personnel] = []

    def add(
        self,
        kind: str,
        post: str,
        unit: Unit,
        *,
        beat: Unit | None = None,
        deployed: Unit | None = None,
        department: Department | None = None,
        years: tuple[int, int] = (1, 25),
    ) -> Personnel:
        officer = kind == Personnel.Kind.OFFICER
        p = Personnel(
            name=self.fake.name(),
            kind=kind,
            post=post,
            police_number=self.numbers.next_officer() if officer else self.numbers.next_auxiliary(),
            phone=f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}",
            unit=unit,
            department=department,
            year_joined=self.year - self.rng.randint(*years),
            beat=beat,
            deployed_to=deployed,
        )
        p.unit_path = (deployed or beat or unit).path
        self.rows.append(p)
        return p


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo): the organisation at the context's scale."""
    org = build_demo_org(campaign=ctx.campaign, scale=ctx.scale)
    ctx.org = org
    ctx.say(
        f"org: {len(org.counties)} county bureaus, {len(org.stations)} stations, "
        f"{len(org.beats)} beats, {len(org.people)} people, {len(org.teams)} teams"
    )


@transaction.atomic
# `campaign` is a campaigns.Campaign; org sits below campaigns in the layers and does not import it.
def build_demo_org(*, campaign: models.Model, scale: int = 1, seed: int = 411000) -> DemoOrg:
    """Six county bureaus; per county, scale × its stations, each with 5 beats (so scale N
    is N × 150 beats) and their people; one visit team per beat."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    people = _People(rng, fake, campaign.start_date.year)
    departments = list(Department.objects.order_by("sort_order"))
    dept = {d.code: d for d in departments}
    city = _unit(CITY[0], CITY[1], Unit.Level.CITY, None, 0, phone="0374-110")
    city.save()
    org = DemoOrg(city=city)
    # City bureau: the departments' staff (some are sent down during the campaign).
    city_staff = [
        people.add(Personnel.Kind.OFFICER, Personnel.Post.STATION, city, department=d)
        for d in departments
        for _ in range(3)
    ]
    beat_seq = 0
    for c_order, (code, name, station_names) in enumerate(COUNTIES, start=1):
        county = _unit(code, name, Unit.Level.COUNTY, city, c_order)
        county.save()
        org.counties.append(county)
        county_staff = [
            people.add(
                Personnel.Kind.OFFICER,
                Personnel.Post.STATION,
                county,
                department=dept.get(
                    rng.choice(["zhian", "xingzhen", "jindu", "jiaojing", "huzheng"])
                ),
            )
            for _ in range(25 * scale)
        ]
        for s_order, s_name in enumerate(_station_names(station_names, scale), start=1):
            station = _unit(f"{code}{s_order:03d}", s_name, Unit.Level.STATION, county, s_order)
            station.save()
            org.stations.append(station)
            _station_staff(people, station)
            village_share = 0.25 if c_order <= 2 else 0.6
            beats = _station_beats(station, rng, beat_seq, village_share=village_share)
            beat_seq += len(beats)
            Unit.objects.bulk_create(beats)
            org.beats.extend(beats)
            _beat_people(people, station, beats, rng.choice, city_staff + county_staff)
    Personnel.objects.bulk_create(people.rows, batch_size=2000)
    org.people = people.rows
    _build_teams(org, campaign, rng)
    return org


def _station_names(station_names: list[str], scale: int) -> list[str]:
    """The county's stations, scale times over: 西大街派出所, …, 西大街第2派出所, …"""
    return [
        n if i < len(station_names) else f"{n[:-3]}第{i // len(station_names) + 1}派出所"
        for i in range(len(station_names) * scale)
        for n in [station_names[i % len(station_names)]]
    ]


def _station_beats(
    station: Unit, rng: random.Random, beat_seq: int, *, village_share: float
) -> list[Unit]:
    beats = []
    for b_order in range(1, BEATS_PER_STATION + 1):
        stem = BEAT_STEMS[beat_seq % len(BEAT_STEMS)]
        village = rng.random() < village_share
        suffix = "村" if village else "社区"
        label = stem if beat_seq < len(BEAT_STEMS) else f"{stem}{beat_seq // len(BEAT_STEMS) + 1}"
        beat_seq += 1
        beats.append(
            _unit(
                f"{station.code}{b_order:03d}",
                f"{label}{suffix}",
                Unit.Level.BEAT,
                station,
                b_order,
                beat_kind=Unit.BeatKind.VILLAGE if village else Unit.BeatKind.COMMUNITY,
            )
        )
    return beats


def _station_staff(people: _People, station: Unit) -> None:
    """The station's chief, staff and auxiliaries."""
    officer, auxiliary = Personnel.Kind.OFFICER, Personnel.Kind.AUXILIARY
    people.add(officer, Personnel.Post.COMMAND, station, years=(12, 28))
    for _ in range(4):
        people.add(officer, Personnel.Post.STATION, station)
    for _ in range(3):
        people.add(auxiliary, Personnel.Post.AUXILIARY, station, years=(1, 8))


def _beat_people(
    people: _People, station: Unit, beats: list[Unit], choose: Any, senders: list[Personnel]
) -> None:
    """Per beat its community officer, two desk officers sent down from one city or county
    office, and four auxiliaries."""
    officer, auxiliary = Personnel.Kind.OFFICER, Personnel.Kind.AUXILIARY
    for beat in beats:
        people.add(officer, Personnel.Post.COMMUNITY, station, beat=beat, years=(2, 26))
        home = choose(senders)
        for _ in range(2):
            people.add(
                officer, Personnel.Post.DESK, home.unit, deployed=beat, department=home.department
            )
        for _ in range(4):
            people.add(auxiliary, Personnel.Post.AUXILIARY, station, deployed=beat, years=(1, 9))


def _build_teams(org: DemoOrg, campaign: models.Model, rng: random.Random) -> None:
    """One team per beat: its community officer, the desk officers and auxiliaries sent down.
    About one team in ten breaks a rule, as real rosters do, so the warnings have work."""
    by_beat: dict[int, list[Personnel]] = {}
    for p in org.people:
        key = p.beat_id or p.deployed_to_id
        if key is not None:
            by_beat.setdefault(key, []).append(p)
    teams = [
        Team(campaign=campaign, beat=beat, name=f"{beat.name}走访组", unit_path=beat.path)
        for beat in org.beats
    ]
    Team.objects.bulk_create(teams)
    members = []
    year = campaign.start_date.year
    for team in teams:
        roster = by_beat.get(team.beat_id, [])
        community = [p for p in roster if p.post == Personnel.Post.COMMUNITY]
        flaw = rng.random()
        if flaw < 0.05:
            roster = [p for p in roster if p.kind == Personnel.Kind.OFFICER]  # no auxiliary
        elif flaw < 0.10:
            for p in roster:  # everyone new: nobody to lead the way (以老带新 broken)
                p.year_joined = year - rng.randint(1, 3)
            Personnel.objects.bulk_update(roster, ["year_joined"])
        team.leader = community[0] if community else None
        members.extend(TeamMember(team=team, personnel=p, campaign=campaign) for p in roster)
    Team.objects.bulk_update(teams, ["leader"])
    TeamMember.objects.bulk_create(members, batch_size=2000)
    org.teams = teams
