"""Registry API (/api/v1/registry/…): the same selectors and access functions as the pages.
Personal values are masked; the visits app updates records through services, not here."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from zoufang.core.api import ID_FILTER, BoundedLimitOffset, Id, LazyMap, responses
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


@router.get("/places", response=responses(list[PlaceOut], 401, 404, 422))
@paginate(BoundedLimitOffset)
def places(
    request: HttpRequest,
    unit: int | None = ID_FILTER,
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


@router.get("/places/{place_id}", response=responses(PlaceDetailOut, 401, 404, 422))
def place(request: HttpRequest, place_id: Id) -> dict:
    p = access.get_place_for_user(request.user, place_id)
    data = place_out(p)
    household = _household(p)
    data["residents"] = (
        [person_out(r) for r in household.residents.select_related("household")]
        if household
        else []
    )
    return data


@router.get("/persons", response=responses(list[PersonOut], 401, 404, 422))
@paginate(BoundedLimitOffset)
def persons(
    request: HttpRequest, unit: int | None = ID_FILTER, q: str = "", separated: bool = False
) -> list:
    beat = get_unit_for_user(request.user, unit) if unit else None
    f = selectors.PersonFilters(q=q, beat=beat, separated=separated)
    return LazyMap(selectors.person_list(request.user, f), person_out)


@router.get("/persons/{person_id}", response=responses(PersonOut, 401, 404, 422))
def person(request: HttpRequest, person_id: Id) -> dict:
    return person_out(access.get_person_for_user(request.user, person_id))


@router.get("/places/{place_id}/history", response=responses(list[ChangeOut], 401, 404, 422))
def place_history(request: HttpRequest, place_id: Id) -> list:
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


@router.get("/imports/{job_id}", response=responses(ImportJobOut, 401, 403, 404, 422))
def import_job(request: HttpRequest, job_id: Id) -> ImportJob:
    return access.get_import_job_for_user(request.user, job_id)
