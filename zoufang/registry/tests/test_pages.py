from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from zoufang.core.tests.exports import export_table
from zoufang.registry import services
from zoufang.registry.crypto import decrypt
from zoufang.registry.models import KeyPerson, Person
from zoufang.registry.tests import factories


@pytest.fixture
def home_a(tree):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    household = place.household
    wang = factories.resident(household, name="王建国", phone="13803740001", relation="householder")
    services.householder_set(
        household=household, changes={"name": "王建国"}, by=services.Edit(None)
    )
    return place, wang


def test_lists_show_masked_values_only(officer_a, client_for, home_a):
    place, wang = home_a
    client = client_for(officer_a)
    page = client.get("/registry/persons/")
    assert page.status_code == 200
    body = page.content.decode()
    assert wang.id_masked in body
    assert "138****0001" in body
    full = decrypt(wang.id_enc)
    assert full not in body
    assert "13803740001" not in body
    places = client.get("/registry/").content.decode()
    assert place.address in places


def test_an_officer_of_another_beat_gets_404(officer_b, client_for, home_a):
    place, wang = home_a
    client = client_for(officer_b)
    assert client.get(f"/registry/places/{place.pk}/").status_code == 404
    assert client.get(f"/registry/persons/{wang.pk}/").status_code == 404
    assert client.post(f"/registry/persons/{wang.pk}/reveal/").status_code == 404
    assert place.address not in client.get("/registry/").content.decode()


def test_revealing_a_full_id_number_is_audited(officer_a, client_for, home_a):
    _place, wang = home_a
    response = client_for(officer_a).post(f"/registry/persons/{wang.pk}/reveal/")
    assert decrypt(wang.id_enc) in response.content.decode()
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(wang.pk))
    assert entry.actor == officer_a


def test_a_team_member_may_not_reveal(member_a, client_for, home_a):
    _place, wang = home_a
    assert client_for(member_a).post(f"/registry/persons/{wang.pk}/reveal/").status_code == 403
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("officer_a", True),
        ("chief_a", True),
        ("county_admin", True),
        ("leader", True),
        ("member_a", False),
        ("officer_b", False),
    ],
)
def test_key_persons_are_shown_only_to_allowed_roles(who, sees, request, client_for, home_a):
    _place, wang = home_a
    services.key_person_set(
        person=wang, category="drugs", control_level="focus", by=services.Edit(None)
    )
    user = request.getfixturevalue(who)
    client = client_for(user)
    listing = client.get("/registry/key-persons/")
    detail = client.get(f"/registry/persons/{wang.pk}/")
    if who == "officer_b":  # a community officer sees key persons of his own beat only
        assert "王建国" not in listing.content.decode()
        assert detail.status_code == 404
        return
    assert listing.status_code == (200 if sees else 404)
    assert ("涉毒" in detail.content.decode() or "Drug" in detail.content.decode()) is sees
    audited = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(KeyPerson.objects.get().pk)
    ).exists()
    assert audited is sees


def test_search_finds_a_person_by_exact_id_number_and_phone(officer_a, client_for, home_a):
    _place, wang = home_a
    client = client_for(officer_a)
    other = factories.resident(wang.household, name="李秀英")
    full = decrypt(wang.id_enc)
    body = client.get("/registry/persons/", {"q": full}).content.decode()
    assert "王建国" in body
    assert other.name not in body
    assert "王建国" in client.get("/registry/persons/", {"q": "138 0374 0001"}).content.decode()


def test_export_is_masked_and_formula_safe(officer_a, client_for, home_a):
    _place, wang = home_a
    services.person_save(
        person=wang, changes={"registered_address": "=HYPERLINK(1)"}, by=services.Edit(None)
    )
    response = client_for(officer_a).get("/registry/persons/", {"export": "xlsx"})
    data = b"".join(response.streaming_content)
    rows = export_table(data)
    assert rows[0][0] == "姓名"
    ws = load_workbook(io.BytesIO(data)).active
    top = next(r for r in range(1, 4) if ws.cell(row=r, column=1).value == "姓名") - 1
    row = next(r for r in rows if r[0] == "王建国")
    assert row[3] == wang.id_masked
    assert row[7] == "=HYPERLINK(1)"
    assert ws.cell(row=top + rows.index(row) + 1, column=8).data_type == "s"
    assert Person.objects.count() == len(rows) - 1


def test_export_of_another_beat_leaves_out_records_outside(officer_b, client_for, home_a):
    response = client_for(officer_b).get("/registry/persons/", {"export": "xlsx"})
    rows = export_table(response)
    assert rows[0][0] == "姓名"
    assert len(rows) == 1  # the header alone


def test_search_by_a_landlords_phone_finds_the_tenants(officer_a, client_for, home_a):
    _place, wang = home_a
    services.household_update(
        household=wang.household,
        changes={"rented": True, "landlord_name": "赵房东", "landlord_phone": "139-0374-0009"},
        by=services.Edit(None),
    )
    client = client_for(officer_a)
    assert "王建国" in client.get("/registry/persons/", {"q": "13903740009"}).content.decode()
    assert "王建国" not in client.get("/registry/persons/", {"q": "13903740008"}).content.decode()


@pytest.mark.parametrize("url", ["/registry/", "/registry/persons/", "/registry/shops/"])
def test_a_filter_change_gets_only_the_results(officer_a, client_for, home_a, url):
    client = client_for(officer_a)
    full = client.get(url).content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full
    assert "<html" not in partial
    assert '<div class="table-responsive">' in partial
    assert 'name="q"' not in partial  # the filter form stays on the page
