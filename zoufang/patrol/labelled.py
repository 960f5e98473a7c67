"""The patrol's labelled set: planted perfunctory work of every kind the rules look for, and for
each rule the honest near-misses it must leave alone. Written before the rules were tuned; the
tests run the patrol on it and assert every must-flag is flagged and no must-not is, and
`manage.py patrol_labelled` prints precision and recall per rule.

Everything sits in its own county bureau (巡查样本分局) so that peers for the "no problems"
test are the set's own teams and its flags are told apart from a demo city's.

    county 巡查样本分局 › station 巡查样本派出所 › beats:
      样本一社区 (community): teams 甲 (most cases), 快 (too fast), 稳 (just fast enough),
                              闲 (idle), 近 (visited two and a half days ago)
      样本村 (village): team 村 (a visit 800 m away: within the village limit)
      样本二社区 … 样本七社区 (community): four peer teams, 静 (nothing ever found), 常 (a little
                              above its peers)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from zoufang.core.roles import Role
from zoufang.findings.models import Finding, FindingTransition
from zoufang.org.models import Personnel, Team, TeamMember, Unit, User
from zoufang.registry.models import Place
from zoufang.visits.models import Method, Outcome, Visit, VisitMember, VisitPhoto, VisitTask

COUNTY_CODE_SUFFIX = "99"
BASE_LAT, BASE_LON = 34.0357, 113.8523  # 许昌 city centre
METRE_LAT = 1 / 111_195  # degrees of latitude per metre


@dataclass(frozen=True)
class Expect:
    """One labelled case: the rule, whether it must flag, and the subject it is about."""

    kind: str
    flag: bool
    label: str
    visits: frozenset[int] = frozenset()
    team: int | None = None
    finding: int | None = None
    person: int | None = None

    def matches(self, flag: Any) -> bool:
        if flag.rule.kind != self.kind:
            return False
        if self.visits and {flag.visit_id, flag.other_visit_id} - {None} != set(self.visits):
            return False
        if self.team is not None and flag.team_id != self.team:
            return False
        if self.person is not None and flag.personnel_id != self.person:
            return False
        return self.finding is None or flag.finding_id == self.finding


@dataclass
class LabelledSet:
    county: Unit
    expects: list[Expect] = field(default_factory=list)

    def add(self, kind: str, flag: bool, label: str, **subject: Any) -> None:
        if "visits" in subject:
            subject["visits"] = frozenset(subject["visits"])
        self.expects.append(Expect(kind, flag, label, **subject))


class _Builder:
    """Units, teams, places and visits of the set, written directly (they are history)."""

    def __init__(self, campaign: Any, city: Unit, now: dt.datetime) -> None:
        self.campaign, self.city, self.now = campaign, city, now
        self.today = timezone.localtime(now).date()
        self.rng = random.Random(12)
        self.seq = itertools.count(1)
        self.free: dict[int, dt.datetime] = {}  # team id -> next free moment per day

    def unit(self, code: str, name: str, level: int, parent: Unit | None, kind: str = "") -> Unit:
        unit, _ = Unit.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent": parent,
                "path": Unit.build_path(parent, code),
                "beat_kind": kind,
                # Last in every list, so the demo's logins stay anchored at its real units.
                "sort_order": 999,
            },
        )
        return unit

    def team(self, beat: Unit, name: str, size: int = 3) -> Team:
        year = self.today.year
        people = []
        for i in range(size):
            kind = Personnel.Kind.AUXILIARY if i == size - 1 else Personnel.Kind.OFFICER
            people.append(
                Personnel.objects.create(
                    name=f"{name}{'甲乙丙丁'[i]}",
                    kind=kind,
                    post=Personnel.Post.AUXILIARY if kind == "auxiliary" else Personnel.Post.DESK,
                    unit=beat.parent,
                    deployed_to=beat,
                    unit_path=beat.path,
                    year_joined=year - (10 if i == 0 else 2),
                )
            )
        team = Team.objects.create(
            campaign=self.campaign, beat=beat, name=name, leader=people[0], unit_path=beat.path
        )
        for p in people:
            TeamMember.objects.create(team=team, personnel=p, campaign=self.campaign)
        team.people = people
        return team

    def place(self, beat: Unit, *, lat: float | None = None, lon: float | None = None) -> Place:
        n = next(self.seq)
        return Place.objects.create(
            beat=beat,
            unit_path=beat.path,
            kind=Place.Kind.DWELLING,
            address_code=f"PATROL-{beat.code}-{n}",
            road="样本路",
            house_number=str(n),
            address=f"样本路{n}号",
            latitude=lat,
            longitude=lon,
        )

    def at(self, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        day = self.today - dt.timedelta(days=days_ago)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def next_slot(self, team: Team) -> dt.datetime:
        """A daytime start 40 minutes after the team's previous one (ten days back onwards)."""
        moment = self.free.get(team.pk) or self.at(10, 9)
        if timezone.localtime(moment).hour >= 17:
            local = timezone.localtime(moment)
            moment = self.at((self.today - local.date()).days - 1, 9)
        self.free[team.pk] = moment + dt.timedelta(minutes=40)
        return moment

    def visit(
        self,
        team: Team,
        *,
        start: dt.datetime | None = None,
        minutes: float = 20,
        task: VisitTask | None = None,
        members: list[Personnel] | None = None,
        **extra: Any,
    ) -> Visit:
        start = start or self.next_slot(team)
        beat = team.beat
        if task is None:
            place = extra.pop("place", None) or self.place(beat)
            task = VisitTask.objects.create(
                campaign=self.campaign,
                beat=beat,
                unit_path=beat.path,
                kind="household",
                place=place,
                team=team,
                address=place.address,
                state="visited",
                attempts=1,  # visited once, as a submission leaves it
                **extra.pop("task_fields", {}),
            )
        visit = Visit.objects.create(
            task=task,
            campaign=self.campaign,
            beat=beat,
            unit_path=beat.path,
            kind=task.kind,
            place=task.place,
            team=team,
            outcome=extra.pop("outcome", Outcome.VISITED),
            method=extra.pop("method", Method.NORMAL),
            started_at=start,
            ended_at=start + dt.timedelta(minutes=minutes),
            client_uuid=uuid.uuid4(),
            payload_hash=hashlib.sha256(str(next(self.seq)).encode()).hexdigest(),
            **extra,
        )
        VisitMember.objects.bulk_create(
            VisitMember(
                visit=visit,
                personnel=p,
                unit_path=beat.path,
                campaign=self.campaign,
                outcome=visit.outcome,
            )
            for p in (members or team.people)
        )
        return visit

    def photo(self, visit: Visit, data: bytes) -> VisitPhoto:
        photo = VisitPhoto(
            visit_uuid=visit.client_uuid,
            visit=visit,
            extension=".jpg",
            content_type="image/jpeg",
            size=len(data),
            client_uuid=uuid.uuid4(),
            payload_hash=hashlib.sha256(data).hexdigest(),
        )
        photo.image.save(f"{photo.client_uuid}.jpg", ContentFile(data), save=False)
        photo.save()
        return photo


# ---- generated photos: a street of buildings, drawn; "the same building" from another spot


def building_photo(seed: int, *, dx: int = 0, dy: int = 0, sky: tuple = (135, 180, 230)) -> Any:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (640, 480), sky)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 360 + dy, 640, 480], fill=(90, 110, 80))
    for _ in range(rng.randint(2, 4)):
        x, w, h = rng.randint(20, 450) + dx, rng.randint(80, 180), rng.randint(150, 330)
        draw.rectangle([x, 360 + dy - h, x + w, 360 + dy], fill=tuple(rng.randint(80, 220) for _ in range(3)))  # fmt: skip
        for wy in range(360 + dy - h + 15, 360 + dy - 20, 30):
            for wx in range(x + 10, x + w - 15, 25):
                lit = (240, 240, 200) if rng.random() < 0.5 else (40, 50, 70)
                draw.rectangle([wx, wy, wx + 12, wy + 16], fill=lit)
    return img


def jpeg(img: Any, quality: int, scale: float = 1.0) -> bytes:
    if scale != 1.0:
        img = img.resize((int(img.width * scale), int(img.height * scale)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def resaved(data: bytes, quality: int = 55, scale: float = 0.6) -> bytes:
    """A copy of a JPEG opened and saved again smaller and at another quality."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return jpeg(img.convert("RGB"), quality, scale)


COPIED_DISPUTE = "三楼住户与四楼住户因楼道堆放杂物多次发生争吵,已现场调解并告知物业限期清理。"
COPIED_HAZARD = (
    "小区地下车库有电动车飞线充电情况,现场已劝导车主拆除,并建议物业加装集中充电桩,做好消防宣传。"
)
HONEST_TEXTS = [
    "二单元老人独居,子女在外地,反映近期接到可疑推销电话,已讲解防诈骗知识并留下社区民警电话。",
    "住户反映门口路灯损坏两周无人维修,夜间出行不便,已记录并联系街道办城管科。",
    "租户三人在附近工地务工,暂住证已到期,已告知到社区警务室办理居住登记手续。",
]


@transaction.atomic
def build_labelled_set(
    campaign: Any, city: Unit, *, now: dt.datetime | None = None, county_code: str = ""
) -> LabelledSet:
    """Plant the set under `city` for `campaign`; returns the expectations."""
    b = _Builder(campaign, city, now or timezone.now())
    code = county_code or city.code[:4] + COUNTY_CODE_SUFFIX
    county = b.unit(code, "巡查样本分局", Unit.Level.COUNTY, city)
    station = b.unit(code + "001", "巡查样本派出所", Unit.Level.STATION, county)
    beats = [
        b.unit(f"{station.code}{i:03d}", name, Unit.Level.BEAT, station, kind)
        for i, (name, kind) in enumerate(
            [("样本一社区", "community"), ("样本村", "village")]
            + [(f"样本{n}社区", "community") for n in "二三四五六七"],
            start=1,
        )
    ]
    ls = LabelledSet(county=county)
    main = beats[0]
    teams = {name: b.team(main, f"样本{name}组") for name in "甲快稳闲近"}
    teams["村"] = b.team(beats[1], "样本村组")
    _peers(b, ls, beats[2:])
    _durations_and_night(b, ls, teams["甲"])
    _pace(b, ls, teams)
    _overlaps(b, ls, teams["甲"])
    _distances(b, ls, teams["甲"], teams["村"])
    _texts(b, ls, teams["甲"])
    _photos(b, ls, teams["甲"])
    _idle(b, ls, teams)
    _hanging(b, ls, main, teams["甲"])
    return ls


def _recent(b: _Builder, team: Team) -> None:
    """A plain visit yesterday, so that the team is not idle."""
    b.visit(team, start=b.at(1, 10 + len(b.free) % 6, 10))


def _peers(b: _Builder, ls: LabelledSet, beats: list[Unit]) -> None:
    """Four peer teams find something on a quarter of their visits; 静 never does; 常 a bit
    less often than its peers (within chance)."""
    plan = [(f"样本对照{i}组", 40, 10) for i in range(1, 5)]
    plan += [("样本静组", 50, 0), ("样本常组", 40, 5)]
    for beat, (name, total, found) in zip(beats, plan, strict=True):
        team = b.team(beat, name)
        for i in range(total):
            b.visit(team, finding_count=1 if i < found else 0)
        _recent(b, team)
        if name == "样本静组":
            ls.add("no_problems", True, "nothing found on 50 visits", team=team.pk)
        if name == "样本常组":
            ls.add("no_problems", False, "35 of 40 quiet, peers 30 of 40", team=team.pk)


def _durations_and_night(b: _Builder, ls: LabelledSet, team: Team) -> None:
    short = b.visit(team, start=b.at(2, 9), minutes=2)
    ls.add("min_duration", True, "household visit of 2 minutes", visits=[short.pk])
    ok = b.visit(team, start=b.at(2, 10), minutes=6)
    ls.add("min_duration", False, "household visit of 6 minutes (minimum 5)", visits=[ok.pk])
    night = b.visit(team, start=b.at(5, 2, 30), minutes=20)
    ls.add("night", True, "02:30, no appointment", visits=[night.pk])
    day = b.today - dt.timedelta(days=6)
    fields = {"appointment_date": day, "appointment_start": dt.time(2), "appointment_end": dt.time(3)}  # fmt: skip
    booked = b.visit(team, start=b.at(6, 2, 30), task_fields=fields)
    ls.add("night", False, "02:30 on the resident's appointment", visits=[booked.pk])
    late = b.visit(team, start=b.at(6, 22, 30))
    ls.add("night", False, "22:30 (evening, not the small hours)", visits=[late.pk])
    staggered = b.visit(team, start=b.at(7, 5, 30), method=Method.STAGGERED)
    ls.add("night", False, "05:30 on staggered hours", visits=[staggered.pk])


def _pace(b: _Builder, ls: LabelledSet, teams: dict[str, Team]) -> None:
    fast, steady = teams["快"], teams["稳"]
    for i in range(10):  # ten visits of 5½ minutes in 54 minutes
        b.visit(fast, start=b.at(3, 14, 0) + dt.timedelta(minutes=6 * i), minutes=5.5)
    ls.add("team_rate", True, "10 visits within an hour", team=fast.pk)
    for i in range(8):  # eight visits of 7 minutes, one every 7½ minutes
        b.visit(steady, start=b.at(3, 14, 0) + dt.timedelta(seconds=450 * i), minutes=7)
    b.visit(steady, start=b.at(3, 15, 5), minutes=7)
    ls.add("team_rate", False, "8 visits within an hour (limit 8)", team=steady.pk)
    _recent(b, fast)
    _recent(b, steady)


def _overlaps(b: _Builder, ls: LabelledSet, team: Team) -> None:
    a1, a2, a3 = team.people
    x = b.visit(team, start=b.at(4, 10), minutes=30, members=[a1, a2])
    y = b.visit(team, start=b.at(4, 10, 10), minutes=30, members=[a1, a3])
    ls.add("overlap", True, "on two visits 10:00–10:30 and 10:10–10:40", visits=[x.pk, y.pk], person=a1.pk)  # fmt: skip
    p = b.visit(team, start=b.at(4, 11), minutes=20, members=[a1, a2])
    q = b.visit(team, start=b.at(4, 11, 20), minutes=20, members=[a1, a2])
    ls.add("overlap", False, "back to back 11:00–11:20, 11:20–11:40", visits=[p.pk, q.pk])
    r = b.visit(team, start=b.at(4, 13), minutes=20, members=[a1, a2])
    s = b.visit(team, start=b.at(4, 13, 17), minutes=20, members=[a1, a2])
    ls.add("overlap", False, "three minutes' overlap (threshold 5)", visits=[r.pk, s.pk])


def _distances(b: _Builder, ls: LabelledSet, team: Team, village_team: Team) -> None:
    def at_distance(t: Team, metres: float) -> Visit:
        place = b.place(t.beat, lat=BASE_LAT, lon=BASE_LON)
        lat = BASE_LAT + metres * METRE_LAT
        return b.visit(t, place=place, latitude=round(lat, 6), longitude=BASE_LON)

    far = at_distance(team, 2000)
    ls.add("distance", True, "2 km from the address (community limit 300 m)", visits=[far.pk])
    near = at_distance(team, 250)
    ls.add("distance", False, "250 m from the address (community limit 300 m)", visits=[near.pk])
    village = at_distance(village_team, 800)
    ls.add("distance", False, "800 m in a village (village limit 1,000 m)", visits=[village.pk])
    _recent(b, village_team)


def _texts(b: _Builder, ls: LabelledSet, team: Team) -> None:
    one = b.visit(team, answers={"neighbour_dispute": COPIED_DISPUTE, "satisfaction": "满意"})
    two = b.visit(team, answers={"neighbour_dispute": COPIED_DISPUTE.replace(",", ";")})
    ls.add("text_copy", True, "the same dispute written on two households", visits=[one.pk, two.pk])  # fmt: skip
    three = b.visit(team, answers={"fire_hazard": COPIED_HAZARD})
    edited = COPIED_HAZARD.replace("地下车库", "地面车棚")
    four = b.visit(team, answers={"fire_hazard": edited})
    ls.add("text_copy", True, "one hazard copied with two words changed", visits=[three.pk, four.pk])  # fmt: skip
    stock = [
        b.visit(team, answers={"neighbour_dispute": word, "fire_hazard": "无", "opinions": "没有"})
        for word in ("无", "没有", "正常", "无问题", "无", "暂无")
    ]
    for v in stock[1:]:
        ls.add("text_copy", False, "stock answers 无 / 没有", visits=[stock[0].pk, v.pk])
    honest = [b.visit(team, answers={"opinions": t}) for t in HONEST_TEXTS[:2]]
    ls.add("text_copy", False, "two different honest texts", visits=[h.pk for h in honest])
    first = b.visit(team, answers={"security_hazard": HONEST_TEXTS[2]})
    again = b.visit(team, task=first.task, answers={"security_hazard": HONEST_TEXTS[2]})
    ls.add("text_copy", False, "the same household's text on its second call", visits=[first.pk, again.pk])  # fmt: skip


def _photos(b: _Builder, ls: LabelledSet, team: Team) -> None:
    original = jpeg(building_photo(1), 90)
    v1, v2 = b.visit(team), b.visit(team)
    b.photo(v1, original)
    b.photo(v2, resaved(original))
    ls.add("photo_copy", True, "a photo re-saved smaller at quality 55", visits=[v1.pk, v2.pk])
    same = jpeg(building_photo(2), 85)
    v3, v4 = b.visit(team), b.visit(team)
    b.photo(v3, same)
    b.photo(v4, same)
    ls.add("photo_copy", True, "the same file on two visits", visits=[v3.pk, v4.pk])
    v5, v6 = b.visit(team), b.visit(team)
    b.photo(v5, jpeg(building_photo(3), 88))
    b.photo(v6, jpeg(building_photo(3, dx=60, dy=25, sky=(170, 190, 210)), 85))
    ls.add("photo_copy", False, "one building photographed on two honest visits", visits=[v5.pk, v6.pk])  # fmt: skip
    _recent(b, team)


def _idle(b: _Builder, ls: LabelledSet, teams: dict[str, Team]) -> None:
    idle, lately = teams["闲"], teams["近"]
    b.visit(idle, start=b.at(6, 10))
    ls.add("idle_team", True, "last visit six days ago", team=idle.pk)
    b.visit(lately, start=b.now - dt.timedelta(hours=60))
    ls.add("idle_team", False, "last visit two and a half days ago", team=lately.pk)


def _hanging(b: _Builder, ls: LabelledSet, beat: Unit, team: Team) -> None:
    from zoufang.findings.catalog import catalog_sync
    from zoufang.findings.services.create import finding_create

    catalog_sync()
    username = f"patrol_sample_{beat.code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.COMMUNITY_OFFICER, unit=beat)
        user.set_unusable_password()
        user.save()
    cases = [
        (10, 8, True, "10 days past its deadline, untouched for 8 days"),
        (10, 1, False, "10 days past its deadline, worked on yesterday"),
        (2, 5, False, "2 days past its deadline (limit 3)"),
    ]
    for late, idle, must, label in cases:
        finding = finding_create(
            actor=user,
            kind_code="dispute-neighbour",
            description=f"样本问题:{label}",
            beat=beat,
            campaign=b.campaign,
        ).finding
        deadline = b.now - dt.timedelta(days=late)
        Finding.objects.filter(pk=finding.pk).update(
            deadline=deadline, due_at=None, is_overdue=True, was_overdue=True
        )
        FindingTransition.objects.filter(finding=finding).update(at=b.now - dt.timedelta(days=idle))
        ls.add("hanging", must, label, finding=finding.pk)
