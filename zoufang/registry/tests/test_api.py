from __future__ import annotations

import pytest

from zoufang.registry import services
from zoufang.registry.crypto import decrypt
from zoufang.registry.tests import factories


@pytest.fixture
def home(tree):
    place = factories.dwelling(tree.beat_a, number="8")
    person = factories.resident(place.household, name="王建国", phone="13803740001")
    return place, person


def test_places_and_persons_in_scope_with_masked_values(officer_a, client_for, home):
    place, person = home
    client = client_for(officer_a)
    data = client.get("/api/v1/registry/places").json()
    assert [p["id"] for p in data["items"]] == [place.pk]
    detail = client.get(f"/api/v1/registry/places/{place.pk}").json()
    assert detail["residents"][0]["id_number"] == person.id_masked
    assert detail["residents"][0]["phone"] == "138****0001"
    assert decrypt(person.id_enc) not in str(detail)
    assert "13803740001" not in str(detail)
    found = client.get("/api/v1/registry/persons", {"q": decrypt(person.id_enc)}).json()
    assert [p["id"] for p in found["items"]] == [person.pk]


def test_officer_b_gets_404_and_an_empty_list(officer_b, client_for, home):
    place, person = home
    client = client_for(officer_b)
    assert client.get("/api/v1/registry/places").json()["count"] == 0
    for url in (
        f"/api/v1/registry/places/{place.pk}",
        f"/api/v1/registry/persons/{person.pk}",
        f"/api/v1/registry/places/{place.pk}/history",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_history_of_a_place_lists_its_changes(officer_a, client_for, home):
    place, _person = home
    services.place_update(place=place, changes={"room": "302"}, by=services.Edit(officer_a))
    rows = client_for(officer_a).get(f"/api/v1/registry/places/{place.pk}/history").json()
    room = next(r for r in rows if r["field"] == "room")
    assert (room["old"], room["new"], room["actor"]) == ("", "302", officer_a.display_name)
