"""Services keep history rows; a visit form's answers land on the registry through them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from zoufang.registry import selectors, services
from zoufang.registry.models import Change, Household, Person
from zoufang.registry.tests import factories


def test_a_household_update_writes_who_when_old_and_new(tree, officer_a):
    place = factories.dwelling(tree.beat_a)
    services.household_update(
        household=place.household,
        changes={"rented": True, "tenants": "两名务工人员"},
        by=services.Edit(officer_a, Change.Source.VISIT, "visit:7"),
    )
    rows = {c.field: c for c in Change.objects.filter(entity="household")}
    assert (rows["use"].old, rows["use"].new) == ("owner", "rented")
    assert rows["use"].actor == officer_a
    assert rows["use"].reference == "visit:7"
    assert rows["tenants"].new == "两名务工人员"


def test_visit_answers_update_householder_household_and_shop(tree, officer_a, ids):
    place = factories.dwelling(tree.beat_a)
    number = ids()
    services.registry_apply(
        place=place,
        answers={
            "householder.name": "赵大海",
            "householder.id_number": number,
            "householder.phone": "13903740002",
            "household.separated": True,
            "household.borrowed_empty": True,
        },
        by=services.Edit(officer_a, Change.Source.VISIT, "visit:1"),
    )
    household = Household.objects.get(place=place)
    assert household.householder.name == "赵大海"
    assert household.use == Household.Use.BORROWED
    assert Person.objects.with_id_number(number).get() == household.householder
    shop = factories.shop(tree.beat_a)
    services.registry_apply(
        place=shop.place,
        answers={"shop.business_scope": "五金", "org.key_items": True},
        by=services.Edit(officer_a, Change.Source.VISIT),
    )
    shop.refresh_from_db()
    assert (shop.business_scope, shop.key_items) == ("五金", True)
    assert Change.objects.filter(entity="shop", field="key_items", source="visit").exists()


def test_enterprise_category_from_the_form_label(tree, officer_a):
    ent = factories.enterprise(tree.beat_a)
    services.registry_apply(
        place=ent.place,
        answers={"enterprise.category": "医院学校"},
        by=services.Edit(officer_a, Change.Source.VISIT),
    )
    ent.refresh_from_db()
    assert ent.category == "hospital_school"


def test_an_invalid_id_number_or_credit_code_is_refused_not_fixed(tree, ids):
    place = factories.dwelling(tree.beat_a)
    good = ids()
    with pytest.raises(ValidationError):
        factories.resident(place.household, id_no=good[:17] + ("1" if good[17] != "1" else "2"))
    shop = factories.shop(tree.beat_a)
    with pytest.raises(ValidationError):
        services.shop_update(
            shop=shop, changes={"credit_code": "91110000600037341X"}, by=services.Edit(None)
        )
    services.shop_update(
        shop=shop, changes={"credit_code": "91110000600037341L"}, by=services.Edit(None)
    )
    shop.refresh_from_db()
    assert shop.credit_code == "91110000600037341L"


def test_sex_and_birth_date_come_from_the_id_number(tree):
    place = factories.dwelling(tree.beat_a)
    person = factories.resident(place.household, id_no="11010519491231002X")
    assert (person.sex, str(person.birth_date)) == ("F", "1949-12-31")


def test_history_of_a_phone_change_is_masked(tree):
    place = factories.dwelling(tree.beat_a)
    person = factories.resident(place.household, phone="13803740001")
    services.person_save(person=person, changes={"phone": "13803740009"}, by=services.Edit(None))
    change = Change.objects.get(entity="person", field="phone")
    assert (change.old, change.new) == ("138****0001", "138****0009")


def test_places_of_a_beat_for_visit_planning(tree, django_assert_num_queries):
    factories.dwelling(tree.beat_a)
    vacant = factories.dwelling(tree.beat_a)
    services.household_update(
        household=vacant.household, changes={"use": "vacant"}, by=services.Edit(None)
    )
    factories.shop(tree.beat_a)
    factories.dwelling(tree.beat_b)
    with django_assert_num_queries(1):
        places = list(selectors.places_of_beat(tree.beat_a))
        kinds = sorted(p.kind for p in places)
        [getattr(p, "household", None) for p in places if p.kind == "dwelling"]
    assert kinds == ["dwelling", "dwelling", "shop"]
    assert selectors.occupied_dwellings_of_beat(tree.beat_a).count() == 1


def test_person_list_is_one_query_per_page(tree, officer_a, django_assert_num_queries):
    place = factories.dwelling(tree.beat_a)
    for _ in range(5):
        factories.resident(place.household)
    with django_assert_num_queries(1):
        rows = list(selectors.person_list(officer_a, selectors.PersonFilters()))
        [p.household.place.address for p in rows]
    assert len(rows) == 5
