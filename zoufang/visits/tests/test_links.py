"""Issue 11 item 7: records link to each other. A finding raised on a visit links to the visit
and shows its photos; an address page lists its visits, tasks and findings; a person's page the
visits that met them — each list scoped, paged, sensitive clues left out for who may not read
them."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from zoufang.findings.models import Finding
from zoufang.registry.models import Household
from zoufang.registry.tests.factories import dwelling, id_number, resident
from zoufang.visits.tests.factories import photo_ahead, record


def _page(client, name, pk, **params):
    return client.get(reverse(name, args=[pk]), params)


def test_a_finding_raised_on_a_visit_links_to_it_and_shows_its_photos(
    household_task, officer_a, officer_b, catalog, client_for
):
    client_uuid = uuid.uuid4()
    photo = photo_ahead(officer_a, client_uuid)
    visit = record(
        household_task,
        officer_a,
        client_uuid=client_uuid,
        findings=[{"kind": "hazard-fire", "description": "楼道电动车充电"}],
    )
    finding = Finding.objects.get(visit_id=visit.pk)
    page = _page(client_for(officer_a), "findings:detail", finding.pk).content.decode()
    assert reverse("visits:visit_detail", args=[visit.pk]) in page
    assert reverse("visits:photo", args=[photo.pk]) in page
    assert reverse("registry:place_detail", args=[household_task.place_id]) in page
    # Beat B never learns the finding, nor the visit.
    assert _page(client_for(officer_b), "findings:detail", finding.pk).status_code == 404


def test_an_address_lists_its_visits_tasks_and_findings(
    household_task, officer_a, catalog, client_for
):
    visit = record(
        household_task,
        officer_a,
        findings=[{"kind": "hazard-fire", "description": "楼道电动车充电"}],
    )
    finding = Finding.objects.get(visit_id=visit.pk)
    page = _page(client_for(officer_a), "registry:place_detail", household_task.place_id)
    text = page.content.decode()
    assert f'data-visit="{visit.pk}"' in text
    assert f'data-task="{household_task.pk}"' in text
    assert f'data-finding="{finding.number}"' in text


def test_a_sensitive_clue_is_listed_only_to_who_may_read_it(
    household_task, officer_a, leader, catalog, client_for
):
    visit = record(
        household_task,
        officer_a,
        answers={"householder_name": "王建国", "clue_terror": "有可疑人员聚集"},
    )
    clue = Finding.objects.get(visit_id=visit.pk)
    assert clue.sensitive
    officer_page = _page(client_for(officer_a), "registry:place_detail", household_task.place_id)
    assert clue.number not in officer_page.content.decode()
    leader_page = _page(client_for(leader), "registry:place_detail", household_task.place_id)
    assert f'data-finding="{clue.number}"' in leader_page.content.decode()


def test_the_address_page_is_404_outside_the_jurisdiction(
    household_task, officer_a, officer_b, client_for
):
    record(household_task, officer_a)
    page = _page(client_for(officer_b), "registry:place_detail", household_task.place_id)
    assert page.status_code == 404


def test_each_section_is_paged(household_task, officer_a, client_for):
    visits = [record(household_task, officer_a, outcome="nobody_home") for _ in range(11)]
    visits.append(record(household_task, officer_a))
    client = client_for(officer_a)
    first = _page(client, "registry:place_detail", household_task.place_id).content.decode()
    second = _page(
        client, "registry:place_detail", household_task.place_id, visits_page=2
    ).content.decode()
    shown = lambda text: {v.pk for v in visits if f'data-visit="{v.pk}"' in text}  # noqa: E731
    assert len(shown(first)) == 10
    assert len(shown(second)) == 2
    assert shown(first) | shown(second) == {v.pk for v in visits}


@pytest.fixture
def beat_b_person(tree):
    place = dwelling(tree.beat_b, road="丁庄大街", number="77")
    number = id_number()
    return number, resident(Household.objects.get(place=place), name="周某", id_no=number)


def test_a_person_page_lists_the_visits_that_met_them_in_scope(
    household_task, tasks, places, officer_a, officer_b, chief_a, office, beat_b_person, client_for
):
    number, person = beat_b_person
    # Met in beat A: the ID number was entered there.
    met_in_a = record(
        household_task, officer_a, answers={"householder_name": "王建国", "householder_id": number}
    )
    office_page = _page(client_for(office), "registry:person_detail", person.pk).content.decode()
    assert f'data-visit="{met_in_a.pk}"' in office_page
    # Beat B sees its person, but not beat A's visit.
    b_page = _page(client_for(officer_b), "registry:person_detail", person.pk).content.decode()
    assert f'data-visit="{met_in_a.pk}"' not in b_page
    # Beat A does not see beat B's person at all.
    assert _page(client_for(chief_a), "registry:person_detail", person.pk).status_code == 404


def test_the_household_visit_is_listed_on_its_residents_pages(tasks, places, officer_b, client_for):
    household = Household.objects.get(place=places.beat_b)
    person = resident(household, name="吴某")
    missed = record(tasks[places.beat_b.pk], officer_b, outcome="nobody_home")
    visit = record(tasks[places.beat_b.pk], officer_b)
    page = _page(client_for(officer_b), "registry:person_detail", person.pk).content.decode()
    assert f'data-visit="{visit.pk}"' in page
    assert f'data-visit="{missed.pk}"' not in page  # nobody home: nobody was met
