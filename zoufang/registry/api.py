"""Registry API (/api/v1/registry/…): the same selectors and access functions as the pages.
Personal values are masked; the visits app updates records through services, not here."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from zoufang.core.api import LazyMap
from zoufang.org.access import get_unit_for_user
from zoufang.registry import access, selectors
from zoufang.registry.models import Household, ImportJob, Person, Place
from zoufang.registry.schemas import ChangeOut, ImportJobOut, PersonOut, PlaceDetailOut, PlaceOut

router = Router(tags=["registry"])


def place_out(p: Place) -> dict:
    household = _household(p) if p.kind == Place.Kind.DWELLING else None
    return {
        "id": p.pk,
        "address_code": p.address_code,
        "kind": p.kind,
        "name": p.name,
        "address": p.address,
        "beat_id": p.beat_id,
        "use": household.use if household else None,
        "separated": household.separated if household else None,
    }


def _household(p: Place) -> Household | None:
    try:
        return p.household
    except Household.DoesNotExist:
        return None


def person_out(p: Person) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "id_number": p.id_masked,
        "phone": p.phone_masked,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "relation": p.relation,
        "separated": p.separated,
        "place_id": p.household.place_id if p.household_id else None,
    }


@router.get("/places", response=list[PlaceOut])
@paginate(LimitOffsetPagination)
def places(
    request: HttpRequest,
    unit: int | None = None,
    kind: str = "",
    q: str = "",
    rented: bool = False,
    separated: bool = False,
    key: bool = False,
) -> list:
    beat = get_unit_for_user(request.user, unit) if unit else None
    f = selectors.PlaceFilters(
        kind=kind, q=q, beat=beat, rented=rented, separated=separated, key=key
    )
    return LazyMap(selectors.place_list(request.user, f), place_out)


@router.get("/places/{place_id}", response=PlaceDetailOut)
def place(request: HttpRequest, place_id: int) -> dict:
    p = access.get_place_for_user(request.user, place_id)
    data = place_out(p)
    household = _household(p)
    data["residents"] = (
        [person_out(r) for r in household.residents.select_related("household")]
        if household
        else []
    )
    return data


@router.get("/persons", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def persons(
    request: HttpRequest, unit: int | None = None, q: str = "", separated: bool = False
) -> list:
    beat = get_unit_for_user(request.user, unit) if unit else None
    f = selectors.PersonFilters(q=q, beat=beat, separated=separated)
    return LazyMap(selectors.person_list(request.user, f), person_out)


@router.get("/persons/{person_id}", response=PersonOut)
def person(request: HttpRequest, person_id: int) -> dict:
    return person_out(access.get_person_for_user(request.user, person_id))


@router.get("/places/{place_id}/history", response=list[ChangeOut])
def place_history(request: HttpRequest, place_id: int) -> list:
    p = access.get_place_for_user(request.user, place_id)
    return [
        {
            "entity": c.entity,
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "source": c.source,
            "actor": c.actor.display_name if c.actor_id else None,
            "created_at": c.created_at,
        }
        for c in selectors.history_of(request.user, "place", p.pk)[:200]
    ]


@router.get("/imports/{job_id}", response=ImportJobOut)
def import_job(request: HttpRequest, job_id: int) -> ImportJob:
    return access.get_import_job_for_user(request.user, job_id)
