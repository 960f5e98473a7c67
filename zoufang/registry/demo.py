"""The demo city's registry: dwellings with households and residents, shops, enterprises,
key places and areas, key items and key persons in every beat. Deterministic (fixed seed);
ID numbers and phones are encrypted like real ones.

The rows are made by `demo_rows.RegistryMaker`; here they are written through the ORM (the
SQLite path, `make demo`), in `demo_pg` with COPY (PostgreSQL). The sample import files are in
`demo_samples` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from zoufang.registry.demo_rows import (
    ENTERPRISE,
    KEY_ITEM,
    PERSON,
    PLACE,
    SHOP,
    BeatRows,
    RegistryMaker,
    households_for,
)
from zoufang.registry.demo_samples import (  # noqa: F401 - the samples' public names
    CATEGORY_WORDS,
    ITEM_WORDS,
    KEY_ITEM_SAMPLE_HEADER,
    KEY_PERSON_SAMPLE_HEADER,
    LEVEL_WORDS,
    SAMPLE_HEADER,
    SAMPLE_ITEMS,
    key_sample_rows,
    write_key_sample_files,
    write_sample_files,
)
from zoufang.registry.models import (
    Enterprise,
    Household,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
)

SMALL_DEMO_HOUSEHOLDS = 200


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo): the registry of every beat of `ctx.org`."""
    if ctx.bulk_sql:
        from zoufang.registry.demo_pg import build_registry_copy

        totals = build_registry_copy(ctx.org.beats, households_per_beat=ctx.households_per_beat)
    else:
        totals = build_registry_orm(ctx.org.beats, households_per_beat=ctx.households_per_beat)
    ctx.built["registry"] = totals
    ctx.say(
        f"registry: {totals['households']} households, {totals['persons']} persons, "
        f"{totals['shops']} shops, {totals['enterprises']} enterprises in {len(ctx.org.beats)} beats"
    )


def build_demo_registry(
    *, campaign: Any, org: Any, stdout: Any, households_per_beat: int | None = SMALL_DEMO_HOUSEHOLDS
) -> dict[str, int]:
    """The registry of `org.beats` through the ORM, as `make demo` builds it (200 households
    a beat unless told otherwise; None: realistic sizes)."""
    del campaign
    totals = build_registry_orm(org.beats, households_per_beat=households_per_beat)
    stdout.write(f"registry: {totals['households']} households, {totals['persons']} persons")
    return totals


@transaction.atomic
def build_registry_orm(beats: list[Any], *, households_per_beat: int | None) -> dict[str, int]:
    maker = RegistryMaker()
    totals = dict.fromkeys(("households", "persons", "shops", "enterprises"), 0)
    for beat in beats:
        rows = maker.beat(beat, households_for(beat, households_per_beat))
        _write_beat(beat, rows)
        for name in totals:
            totals[name] += len(getattr(rows, name))
    return totals


def _write_beat(beat: Any, rows: BeatRows) -> None:
    scoped = {"unit_path": beat.path}
    places = [Place(beat=beat, **scoped, **dict(zip(PLACE, r, strict=True))) for r in rows.places]
    Place.objects.bulk_create(places, batch_size=2000)
    households = [
        Household(place=places[p], **scoped, use=use, landlord_name=landlord, separated=sep)
        for p, use, landlord, _head, sep in rows.households
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    persons = [
        Person(household=households[h], **scoped, **dict(zip(PERSON, rest, strict=True)))
        for h, *rest in rows.persons
    ]
    Person.objects.bulk_create(persons, batch_size=2000)
    # The householders, set-based: the first resident of each household (one statement).
    Household.objects.filter(place__beat=beat).update(
        householder=Subquery(
            Person.objects.filter(household=OuterRef("pk"), relation="householder")
            .order_by("pk")
            .values("pk")[:1]
        )
    )
    KeyPerson.objects.bulk_create(
        KeyPerson(person=persons[n], **scoped, category=category, control_level=level, note=note)
        for n, category, level, note in rows.key_persons
    )
    Shop.objects.bulk_create(
        Shop(place=places[p], **scoped, **dict(zip(SHOP, rest, strict=True)))
        for p, *rest in rows.shops
    )
    Enterprise.objects.bulk_create(
        Enterprise(place=places[p], **scoped, **dict(zip(ENTERPRISE, rest, strict=True)))
        for p, *rest in rows.enterprises
    )
    KeyItem.objects.bulk_create(
        KeyItem(place=places[p], **scoped, **dict(zip(KEY_ITEM, rest, strict=True)))
        for p, *rest in rows.key_items
    )
