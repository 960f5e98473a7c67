"""Editing registry records from the pages: who may, what is saved, what history says."""

from __future__ import annotations

import pytest

from zoufang.registry import services
from zoufang.registry.crypto import decrypt
from zoufang.registry.models import Change, Household, KeyItem, KeyPerson, Person, Place
from zoufang.registry.tests import factories


@pytest.fixture
def home_a(tree):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    wang = factories.resident(
        place.household, name="王建国", phone="13803740001", relation="householder"
    )
    return place, wang


def _person_post(person: Person, **overrides: str) -> dict[str, str]:
    data = {
        "name": person.name,
        "phone": "",
        "relation": person.relation,
        "registered_address": person.registered_address,
        "actual_address": person.actual_address,
        "living_since": "",
    }
    return data | overrides


def test_an_officer_edits_a_person_and_history_names_him(officer_a, client_for, home_a):
    _place, wang = home_a
    response = client_for(officer_a).post(
        f"/registry/persons/{wang.pk}/edit/",
        _person_post(wang, name="王建军", phone="13903740002", registered_address="河南省郑州市"),
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.name == "王建军"
    assert decrypt(wang.phone_enc) == "13903740002"
    rows = Change.objects.filter(entity="person", object_id=wang.pk, actor=officer_a)
    assert set(rows.values_list("field", flat=True)) >= {"name", "phone", "registered_address"}
    assert rows.get(field="phone").new == "139****0002"  # history keeps phones masked
    page = client_for(officer_a).get(f"/registry/persons/{wang.pk}/").content.decode()
    assert "王建军" in page


def test_a_bad_phone_comes_back_with_the_message_and_the_values(officer_a, client_for, home_a):
    _place, wang = home_a
    response = client_for(officer_a).post(
        f"/registry/persons/{wang.pk}/edit/",
        _person_post(wang, name="王建军", phone="12345", actual_address="文峰路14号"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "电话号码格式不对" in body
    assert 'value="王建军"' in body
    assert 'value="文峰路14号"' in body
    wang.refresh_from_db()
    assert wang.name == "王建国"
    assert not Change.objects.filter(entity="person", object_id=wang.pk, actor=officer_a).exists()


def test_a_clashing_id_number_comes_back_on_its_field(officer_a, client_for, home_a, ids):
    place, wang = home_a
    other = factories.resident(place.household, name="李四")
    taken = decrypt(other.id_enc)
    response = client_for(officer_a).post(
        f"/registry/persons/{wang.pk}/edit/", _person_post(wang, id_number=taken)
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    wang.refresh_from_db()
    assert wang.id_hash != other.id_hash


def test_the_id_number_field_only_for_who_may_see_full_values(officer_a, chief_b, client_for, tree):
    # chief_b manages station 2 but has no can_view_sensitive: edits, but no ID number field
    place = factories.dwelling(tree.beat_b)
    zhao = factories.resident(place.household, name="赵六")
    page = client_for(chief_b).get(f"/registry/persons/{zhao.pk}/edit/")
    assert page.status_code == 200
    assert 'name="id_number"' not in page.content.decode()
    before = zhao.id_hash
    client_for(chief_b).post(
        f"/registry/persons/{zhao.pk}/edit/",
        _person_post(zhao, id_number=factories.id_number()),
    )
    zhao.refresh_from_db()
    assert zhao.id_hash == before


def test_place_household_and_key_item_edits(chief_a, client_for, home_a):
    place, _wang = home_a
    client = client_for(chief_a)
    response = client.post(
        f"/registry/places/{place.pk}/edit/",
        {
            "name": "",
            "road": "文峰路",
            "house_number": "14",
            "building": "",
            "entrance": "",
            "room": "501",
        },
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.address == "文峰路14号501室"
    assert Change.objects.filter(entity="place", field="address", actor=chief_a).exists()

    response = client.post(
        f"/registry/places/{place.pk}/household/",
        {
            "use": "rented",
            "landlord_name": "张三",
            "landlord_phone": "13803749999",
            "tenants": "两名务工人员",
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(place=place)
    assert household.use == Household.Use.RENTED
    assert household.landlord_phone_masked == "138****9999"
    assert Change.objects.filter(entity="household", field="use", actor=chief_a).exists()

    response = client.post(
        f"/registry/places/{place.pk}/key-items/new/",
        {
            "kind": "toxic",
            "name": "氰化钠",
            "quantity": "2.5",
            "measure": "kg",
            "holder": "张三",
            "storage": "地下室",
        },
    )
    assert response.status_code == 302
    item = KeyItem.objects.get(place=place)
    assert item.unit_path == place.unit_path
    assert Change.objects.filter(entity="key_item", object_id=item.pk, actor=chief_a).exists()


def test_shop_and_enterprise_edits(county_admin, client_for, tree):
    shop = factories.shop(tree.beat_a)
    client = client_for(county_admin)
    page = client.get(f"/registry/places/{shop.place_id}/")
    assert f"/registry/places/{shop.place_id}/org/" in page.content.decode()
    data = {
        "name": "老街烟酒店",
        "credit_code": "",
        "contact_name": "刘",
        "contact_phone": "abc",
        "business_scope": "烟酒",
        "key_industry": "on",
    }
    response = client.post(f"/registry/places/{shop.place_id}/org/", data)
    assert response.status_code == 200
    assert "电话号码格式不对" in response.content.decode()
    response = client.post(
        f"/registry/places/{shop.place_id}/org/", data | {"contact_phone": "0374-1234567"}
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.key_industry is True
    assert shop.business_scope == "烟酒"
    assert Change.objects.filter(entity="shop", field="contact_phone", actor=county_admin).exists()

    ent = factories.enterprise(tree.beat_a)
    response = client.post(
        f"/registry/places/{ent.place_id}/org/",
        {"name": ent.name, "category": "hospital_school", "staff_count": "120"},
    )
    assert response.status_code == 302
    ent.refresh_from_db()
    assert (ent.category, ent.staff_count) == ("hospital_school", 120)


@pytest.mark.parametrize("who", ["member_a", "leader", "supervisor"])
def test_read_only_roles_are_refused(who, request, client_for, home_a):
    place, wang = home_a
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/registry/places/{place.pk}/").status_code == 200
    assert "/edit/" not in client.get(f"/registry/places/{place.pk}/").content.decode()
    assert "/edit/" not in client.get(f"/registry/persons/{wang.pk}/").content.decode()
    for url in (
        f"/registry/places/{place.pk}/edit/",
        f"/registry/places/{place.pk}/household/",
        f"/registry/places/{place.pk}/key-items/new/",
        f"/registry/persons/{wang.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(f"/registry/persons/{wang.pk}/edit/", _person_post(wang, name="X"))
    assert response.status_code == 403
    wang.refresh_from_db()
    assert wang.name == "王建国"


def test_an_officer_of_another_beat_gets_404(officer_b, client_for, home_a):
    place, wang = home_a
    client = client_for(officer_b)
    for url in (
        f"/registry/places/{place.pk}/edit/",
        f"/registry/places/{place.pk}/household/",
        f"/registry/places/{place.pk}/org/",
        f"/registry/places/{place.pk}/key-items/new/",
        f"/registry/persons/{wang.pk}/edit/",
        f"/registry/persons/{wang.pk}/key/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/registry/persons/{wang.pk}/edit/", _person_post(wang)).status_code == 404


def test_an_officer_sets_and_clears_a_key_person(officer_a, client_for, home_a):
    _place, wang = home_a
    client = client_for(officer_a)
    assert (
        f"/registry/persons/{wang.pk}/key/"
        in client.get(f"/registry/persons/{wang.pk}/").content.decode()
    )
    response = client.post(
        f"/registry/persons/{wang.pk}/key/",
        {"category": "drugs", "control_level": "focus", "note": "吸毒史"},
    )
    assert response.status_code == 302
    record = KeyPerson.objects.get(person=wang)
    assert (record.category, record.control_level) == ("drugs", "focus")
    assert Change.objects.filter(entity="key_person", object_id=record.pk, actor=officer_a).exists()
    response = client.post(f"/registry/persons/{wang.pk}/key/", {"clear": "1"})
    assert response.status_code == 302
    assert not KeyPerson.objects.filter(person=wang).exists()
    assert Change.objects.filter(
        entity="key_person", object_id=record.pk, field="category", new="", actor=officer_a
    ).exists()


def test_a_key_person_without_a_category_is_refused(officer_a, client_for, home_a):
    _place, wang = home_a
    response = client_for(officer_a).post(
        f"/registry/persons/{wang.pk}/key/", {"category": "", "control_level": "focus"}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not KeyPerson.objects.filter(person=wang).exists()


@pytest.mark.parametrize("who", ["member_a", "chief_b_in_scope"])
def test_the_key_person_form_is_hidden_from_who_may_not_see_key_persons(
    who, request, client_for, tree, home_a
):
    if who == "member_a":
        user, person = request.getfixturevalue("member_a"), home_a[1]
    else:  # a station chief without can_view_sensitive, on his own station's person
        user = request.getfixturevalue("chief_b")
        person = factories.resident(factories.dwelling(tree.beat_b).household, name="赵六")
    client = client_for(user)
    assert (
        f"/persons/{person.pk}/key/"
        not in client.get(f"/registry/persons/{person.pk}/").content.decode()
    )
    assert client.get(f"/registry/persons/{person.pk}/key/").status_code == 404
    response = client.post(
        f"/registry/persons/{person.pk}/key/", {"category": "drugs", "control_level": "focus"}
    )
    assert response.status_code == 404
    assert not KeyPerson.objects.filter(person=person).exists()


def test_a_shop_place_without_its_shop_gets_one(officer_a, client_for, tree):
    place = services.place_create(
        beat=tree.beat_a,
        kind=Place.Kind.SHOP,
        road="老街",
        house_number="9",
        by=services.Edit(None),
    )
    response = client_for(officer_a).post(
        f"/registry/places/{place.pk}/org/", {"name": "新开小卖部", "business_scope": "日杂"}
    )
    assert response.status_code == 302
    assert place.shop.name == "新开小卖部"
    assert Change.objects.filter(entity="shop", actor=officer_a).exists()


def test_the_edit_pages_open_with_the_current_values(officer_a, client_for, home_a, tree):
    place, wang = home_a
    services.household_update(
        household=place.household, changes={"landlord_name": "张三"}, by=services.Edit(None)
    )
    ent = factories.enterprise(tree.beat_a, name="许昌第一中学")
    client = client_for(officer_a)
    expected = {
        f"/registry/places/{place.pk}/edit/": 'value="文峰路"',
        f"/registry/places/{place.pk}/household/": 'value="张三"',
        f"/registry/places/{ent.place_id}/org/": 'value="许昌第一中学"',
        f"/registry/places/{place.pk}/key-items/new/": 'name="quantity"',
        f"/registry/persons/{wang.pk}/edit/": 'placeholder="138****0001"',
        f"/registry/persons/{wang.pk}/key/": 'name="control_level"',
    }
    for url, text in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    # the full phone is never put into the page
    assert "13803740001" not in client.get(f"/registry/persons/{wang.pk}/edit/").content.decode()
