"""Reads of the registry, always starting from the user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from zoufang.registry.access import may_see_key_persons
from zoufang.registry.crypto import decrypt
from zoufang.registry.models import (
    Change,
    Enterprise,
    Household,
    ImportJob,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
)
from zoufang.registry.normalize import clean_compact

if TYPE_CHECKING:
    from zoufang.org.models import Unit, User


def import_job_list(user: User) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.visible_to(user).select_related("unit", "created_by")
    if not may_see_key_persons(user):
        qs = qs.exclude(kind=ImportJob.Kind.KEY_PERSON)
    return qs.order_by("-created_at", "-pk")


# ---- places of a beat (visits plan one task per occupied dwelling, shop, enterprise) ---------


def places_of_beat(beat: Unit, *, kinds: list[str] | None = None) -> QuerySet[Place]:
    """Active places of a beat, with their household / shop / enterprise in the same query."""
    qs = Place.objects.active().filter(beat=beat)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.select_related("household", "shop", "enterprise").order_by(
        "kind", "road", "house_number", "building", "entrance", "room", "pk"
    )


def occupied_dwellings_of_beat(beat: Unit) -> QuerySet[Place]:
    """Dwellings someone lives in (not vacant): one household visit each."""
    return (
        Place.objects.active()
        .filter(beat=beat, kind=Place.Kind.DWELLING)
        .exclude(household__use=Household.Use.VACANT)
        .select_related("household")
        .order_by("road", "house_number", "building", "entrance", "room", "pk")
    )


# ---- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceFilters:
    kind: str = ""
    q: str = ""
    beat: Unit | None = None
    rented: bool = False
    separated: bool = False
    key: bool = False


def place_list(user: User, f: PlaceFilters) -> QuerySet[Place]:
    qs = Place.objects.visible_to(user).select_related(
        "beat", "household", "household__householder", "shop", "enterprise"
    )
    if f.beat is not None:
        qs = qs.in_subtree(f.beat.path)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.rented:
        qs = qs.filter(household__use=Household.Use.RENTED)
    if f.separated:
        qs = qs.filter(household__separated=True)
    if f.key:
        qs = qs.filter(
            Q(kind__in=[Place.Kind.KEY_PLACE, Place.Kind.KEY_AREA])
            | Q(shop__key_industry=True)
            | Q(enterprise__key_industry=True)
            | Q(key_items__isnull=False)
        ).distinct()
    if f.q:
        qs = qs.filter(
            Q(address__contains=f.q) | Q(name__contains=f.q) | Q(address_code=clean_compact(f.q))
        )
    return qs.order_by("unit_path", "road", "house_number", "building", "entrance", "room", "pk")


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    beat: Unit | None = None
    separated: bool = False
    rented: bool = False
    key: bool = False
    region_unknown: bool = False


def person_search_q(q: str) -> Q:
    """Name (contains), address (contains), or an exact ID number / phone via their hash; a
    phone also finds the residents of the houses let by a landlord with that phone."""
    from zoufang.registry.crypto import lookup_hash
    from zoufang.registry.normalize import clean_id_text, clean_phone_text

    text = q.strip()
    cond = Q(name__contains=text) | Q(household__place__address__contains=text)
    compact = clean_id_text(text)
    if len(compact) == 18:
        cond |= Q(id_hash=lookup_hash(compact))
    phone = clean_phone_text(text)
    if phone.isdigit() and len(phone) >= 7:
        hashed = lookup_hash(phone)
        cond |= Q(phone_hash=hashed) | Q(household__landlord_phone_hash=hashed)
    return cond


def person_list(user: User, f: PersonFilters) -> QuerySet[Person]:
    qs = Person.objects.visible_to(user).select_related("household__place")
    if f.beat is not None:
        qs = qs.in_subtree(f.beat.path)
    if f.separated:
        qs = qs.filter(separated=True)
    if f.rented:
        qs = qs.filter(household__use=Household.Use.RENTED)
    if f.region_unknown:
        qs = qs.filter(region_unknown=True)
    if f.key and may_see_key_persons(user):
        qs = qs.filter(key_record__isnull=False)
    if f.q:
        qs = qs.filter(person_search_q(f.q))
    return qs.order_by("unit_path", "name", "pk")


def key_person_list(user: User, *, beat: Unit | None = None) -> QuerySet[KeyPerson]:
    if not may_see_key_persons(user):
        return KeyPerson.objects.none()
    qs = KeyPerson.objects.visible_to(user).select_related("person__household__place")
    if beat is not None:
        qs = qs.in_subtree(beat.path)
    return qs.order_by("unit_path", "category", "pk")


def key_item_list(user: User, *, beat: Unit | None = None) -> QuerySet[KeyItem]:
    qs = KeyItem.objects.visible_to(user).select_related("place")
    if beat is not None:
        qs = qs.in_subtree(beat.path)
    return qs.order_by("unit_path", "kind", "pk")


def _org_list(model, user: User, *, q: str, beat: Unit | None, key: bool):  # type: ignore[no-untyped-def]
    """Shops and enterprises share their list filters (key flags, name, address, credit code)."""
    qs = model.objects.visible_to(user).select_related("place")
    if beat is not None:
        qs = qs.in_subtree(beat.path)
    if key:
        qs = qs.filter(Q(key_industry=True) | Q(key_items=True) | Q(key_persons=True))
    if q:
        qs = qs.filter(
            Q(name__contains=q) | Q(place__address__contains=q) | Q(credit_code=q.upper())
        )
    return qs.order_by("unit_path", "name", "pk")


def shop_list(user: User, *, q: str = "", beat: Unit | None = None, key: bool = False):
    return _org_list(Shop, user, q=q, beat=beat, key=key)


def enterprise_list(user: User, *, q: str = "", beat: Unit | None = None, key: bool = False):
    return _org_list(Enterprise, user, q=q, beat=beat, key=key)


def history_of(user: User, entity: str, object_id: int) -> QuerySet[Change]:
    return Change.objects.visible_to(user).for_record(entity, object_id).select_related("actor")


def registry_stats(user: User, *, beat: Unit | None = None) -> dict[str, int]:
    places = Place.objects.visible_to(user)
    persons = Person.objects.visible_to(user)
    if beat is not None:
        places, persons = places.in_subtree(beat.path), persons.in_subtree(beat.path)
    by_kind = dict(places.values_list("kind").annotate(n=Count("pk")).order_by())
    people = persons.aggregate(total=Count("pk"), separated=Count("pk", filter=Q(separated=True)))
    return {
        "dwellings": by_kind.get(Place.Kind.DWELLING, 0),
        "shops": by_kind.get(Place.Kind.SHOP, 0),
        "enterprises": by_kind.get(Place.Kind.ENTERPRISE, 0),
        "key_places": by_kind.get(Place.Kind.KEY_PLACE, 0) + by_kind.get(Place.Kind.KEY_AREA, 0),
        "persons": people["total"],
        "separated": people["separated"],
    }


# ---- exports -----------------------------------------------------------------------------------

PERSON_EXPORT_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "联系电话",
    "与户主关系",
    "地址",
    "户籍地址",
    "人户分离",
]
_RELATIONS = dict(Person.Relation.choices)


def person_export_rows(qs: QuerySet[Person], *, full: bool) -> Iterator[list[Any]]:
    """Rows for the persons export, streamed from the database (values, no model objects).
    Masked values unless `full` (the caller has checked the role and written the audit)."""
    fields = [
        "name",
        "sex",
        "birth_date",
        "id_enc" if full else "id_masked",
        "phone_enc" if full else "phone_masked",
        "relation",
        "household__place__address",
        "registered_address",
        "separated",
    ]
    sex = {"M": "男", "F": "女", "": ""}
    for row in qs.values_list(*fields).iterator(chunk_size=5000):
        name, s, birth, ident, phone, relation, address, registered, separated = row
        if full:
            ident, phone = decrypt(ident), decrypt(phone)
        yield [
            name,
            sex.get(s, ""),
            birth,
            ident,
            phone,
            str(_RELATIONS.get(relation, "")),
            address or "",
            registered,
            "是" if separated else "",
        ]
