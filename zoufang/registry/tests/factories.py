"""Registry records for tests, made through the services (so history and encryption are real)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from zoufang.org.models import Unit, User
from zoufang.registry import services
from zoufang.registry.models import Household, ImportJob, Person, Place
from zoufang.registry.normalize import build_id_number

_seq = itertools.count(1)


def id_number(*, male: bool = True, year: int = 1985) -> str:
    """A valid ID number (region 410102, which exists in every year), unique per call."""
    n = next(_seq)
    return build_id_number("410102", dt.date(year, 1 + n % 12, 1 + n % 28), n, male=male)


def dwelling(
    beat: Unit, *, road: str = "文峰路", number: str | None = None, room: str = ""
) -> Place:
    return services.place_create(
        beat=beat,
        kind=Place.Kind.DWELLING,
        road=road,
        house_number=number or str(next(_seq)),
        room=room,
        by=services.Edit(None),
    )


def resident(
    household: Household,
    *,
    name: str = "王建国",
    id_no: str | None = None,
    phone: str = "",
    relation: str = Person.Relation.MEMBER,
    registered: str = "",
) -> Person:
    return services.person_save(
        person=None,
        household=household,
        changes={
            "name": name,
            "id_number": id_no or id_number(),
            "phone": phone,
            "relation": relation,
            "registered_address": registered,
        },
        by=services.Edit(None),
    )


def shop(beat: Unit, *, name: str = "老街烟酒店", **changes: object):
    place = services.place_create(
        beat=beat,
        kind=Place.Kind.SHOP,
        road="老街",
        house_number=str(next(_seq)),
        name=name,
        by=services.Edit(None),
    )
    return services.org_create(
        place=place, name=name, changes=changes or None, by=services.Edit(None)
    )


def enterprise(beat: Unit, *, name: str = "许昌第一中学", **changes: object):
    place = services.place_create(
        beat=beat,
        kind=Place.Kind.ENTERPRISE,
        road="学府路",
        house_number=str(next(_seq)),
        name=name,
        by=services.Edit(None),
    )
    return services.org_create(
        place=place, name=name, changes=changes or None, by=services.Edit(None)
    )


def import_file(
    path: Path | str,
    unit: Unit,
    kind: str = "household",
    *,
    user: User | None = None,
    dry_run: bool = False,
) -> ImportJob:
    """Import a file the way the command line does (no queue) and return the finished job."""
    from zoufang.registry.imports import jobs

    job = jobs.import_job_create(
        user=user, unit=unit, kind=kind, path=Path(path), dry_run=dry_run, enqueue=False
    )
    return jobs.import_job_run(job=job)
