"""Issue 11 item 12: the village visit's own form, the six inspection focuses (排查重点) every
visit records, opinions on police work kept for research, and the wanted-person alert."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from zoufang.findings.models import Finding
from zoufang.notifications.models import Notification
from zoufang.registry import services as reg_services
from zoufang.registry.models import Household, KeyPerson
from zoufang.registry.tests.factories import dwelling, id_number, resident
from zoufang.visits.models import VisitFocus, VisitOpinion, VisitPerson, WantedAlert
from zoufang.visits.selectors import inspected_focus_counts
from zoufang.visits.services import visit_payload_hash
from zoufang.visits.services.common import content_hash
from zoufang.visits.tests.factories import record, visit_input

FOCUS_CODES = {"key-persons", "key-areas", "key-items", "disputes", "fire-safety", "fugitives"}


@pytest.fixture
def village_task(tasks, tree):
    return tasks[f"community-{tree.beat_a.code}"]


def test_the_village_visit_has_its_own_form_and_raises_what_it_heard(
    village_task, officer_a, catalog, submit_path
):
    visit = record(
        village_task,
        officer_a,
        answers={
            "met": ["村(居)委会班子", "网格员"],
            "met_names": "村支书刘某、网格员陈某",
            "disputes_heard": "两户宅基地纠纷",
            "police_shortcomings": "夜间巡逻不足",
        },
    )
    assert visit.form.code == "community"
    assert visit.answers["met"] == ["村(居)委会班子", "网格员"]
    kinds = set(Finding.objects.filter(visit_id=visit.pk).values_list("kind__code", flat=True))
    assert "police-shortcoming" in kinds
    assert any(k.startswith("dispute") for k in kinds)


def test_the_village_form_asks_who_was_met(village_task, officer_a):
    with pytest.raises(ValidationError) as exc:
        record(village_task, officer_a, answers={"disputes_heard": "无"})
    assert "q_met" in exc.value.message_dict


def test_focuses_are_recorded_and_counted_within_the_jurisdiction(
    household_task, tasks, places, officer_a, officer_b, office, campaign, submit_path
):
    record(household_task, officer_a, focuses=["key-persons", "disputes"])
    record(tasks[places.dwellings[1].pk], officer_a, focuses=["disputes"])
    record(tasks[places.dwellings[2].pk], officer_a)  # inspected nothing it says
    mine = inspected_focus_counts(officer_a, campaign=campaign)
    assert set(mine) == FOCUS_CODES
    assert mine["disputes"] == 2
    assert mine["key-persons"] == 1
    assert mine["fugitives"] == 0
    assert VisitFocus.objects.count() == 3
    # Beat B sees none of beat A's; the office sees them all.
    assert set(inspected_focus_counts(officer_b, campaign=campaign).values()) == {0}
    assert inspected_focus_counts(office, campaign=campaign)["disputes"] == 2


def test_focuses_need_a_visit_that_took_place_and_a_known_code(household_task, officer_a):
    with pytest.raises(ValidationError) as exc:
        record(household_task, officer_a, outcome="nobody_home", focuses=["disputes"])
    assert "focuses" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(household_task, officer_a, focuses=["weather"])
    assert "weather" in exc.value.message_dict["focuses"][0]
    assert not VisitFocus.objects.exists()


def test_a_visit_without_focuses_hashes_as_before_focuses_existed(household_task):
    """A phone that queued a visit offline before the upgrade resends it unchanged: the same
    hash, so it gets its visit back rather than a conflict."""
    data = visit_input(household_task)
    old = dataclasses.asdict(data)
    del old["focuses"]
    old["task"] = household_task.pk
    for key in ("started_at", "ended_at"):
        old[key] = old[key].astimezone(dt.UTC).isoformat()
    old["members"] = sorted(old["members"])
    old["topics"] = sorted(old["topics"])
    assert visit_payload_hash(household_task.pk, data) == content_hash(old)
    with_focus = dataclasses.replace(data, focuses=["disputes"])
    assert visit_payload_hash(household_task.pk, with_focus) != content_hash(old)


def test_the_api_takes_focuses_and_a_resend_returns_the_same_visit(
    household_task, officer_a, client_for
):
    c = client_for(officer_a)
    data = visit_input(household_task, focuses=["fire-safety"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "task_id": household_task.pk,
        "outcome": "visited",
        "started_at": data.started_at.isoformat(),
        "ended_at": data.ended_at.isoformat(),
        "members": data.members,
        "answers": data.answers,
        "focuses": ["fire-safety"],
    }
    first = c.post("/api/v1/visits/", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = c.post("/api/v1/visits/", body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["call_in"] is False
    assert list(VisitFocus.objects.values_list("item__code", flat=True)) == ["fire-safety"]
    forms = c.get("/api/v1/visits/forms").json()
    assert {f["code"] for f in forms} == {"household", "community", "enterprise-shop"}
    assert {x["code"] for x in forms[0]["focuses"]} == FOCUS_CODES


def test_household_opinions_are_kept_as_structured_text(household_task, officer_a, catalog):
    visit = record(
        household_task,
        officer_a,
        answers={
            "householder_name": "王建国",
            "opinion_areas": ["交通管理", "窗口服务"],
            "opinions": "希望早晚高峰在学校门口增派警力",
        },
    )
    row = VisitOpinion.objects.get(visit=visit)
    assert row.areas == ["交通管理", "窗口服务"]
    assert row.text == "希望早晚高峰在学校门口增派警力"
    assert row.unit_path == household_task.unit_path
    assert row.kind == "household"


# ---- 追逃缉拿: the wanted-person alert ------------------------------------------------------


@pytest.fixture
def wanted(tree):
    """A person of beat B recorded as a fugitive (在逃): wanted anywhere in the city."""
    place = dwelling(tree.beat_b, road="丁庄大街", number="99")
    number = id_number()
    person = resident(Household.objects.get(place=place), name="钱某某", id_no=number)
    reg_services.key_person_set(
        person=person,
        category=KeyPerson.Category.FUGITIVE,
        control_level=KeyPerson.Level.CONTROL,
        by=reg_services.Edit(None),
    )
    return number, person


def _visit_naming(task, officer, number):
    return record(task, officer, answers={"householder_name": "王建国", "householder_id": number})


def test_a_wanted_id_alerts_the_station_chief_only(
    household_task, officer_a, chief_a, chief_b, wanted, tree, submit_path
):
    from zoufang.core.roles import Role
    from zoufang.org.tests.factories import UserFactory

    blind_chief = UserFactory(
        username="chief_a2", role=Role.STATION_CHIEF, unit=tree.s1, can_view_sensitive=False
    )
    number, person = wanted
    visit = _visit_naming(household_task, officer_a, number)
    alert = WantedAlert.objects.get(visit=visit)
    assert alert.key_person.person == person
    assert alert.notified == 1
    notes = Notification.objects.filter(kind="wanted_match")
    assert list(notes.values_list("user", flat=True)) == [chief_a.pk]
    assert person.name in notes.get().title
    assert number not in notes.get().body  # masked even for the chief
    for user in (officer_a, chief_b, blind_chief):
        assert not Notification.objects.filter(user=user).exists()
    # The alert is in the audit trail, and the person is linked to the visit that met them.
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(WantedAlert), object_pk=str(alert.pk)
    ).exists()
    assert VisitPerson.objects.filter(visit=visit, person=person).exists()


def test_the_officer_sees_only_a_neutral_prompt(
    household_task, officer_a, chief_a, wanted, client_for
):
    number, person = wanted
    c = client_for(officer_a)
    data = visit_input(household_task)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "task_id": household_task.pk,
        "outcome": "visited",
        "started_at": data.started_at.isoformat(),
        "ended_at": data.ended_at.isoformat(),
        "members": data.members,
        "answers": {"householder_name": "王建国", "householder_id": number},
    }
    response = c.post("/api/v1/visits/", body, content_type="application/json")
    assert response.status_code == 201
    text = response.content.decode()
    assert response.json()["call_in"] is True
    for word in (person.name, "fugitive", "wanted", "在逃", "追逃"):
        assert word not in text
    # A resend says the same, and writes no second alert.
    again = c.post("/api/v1/visits/", body, content_type="application/json")
    assert again.json()["call_in"] is True
    assert WantedAlert.objects.count() == 1
    visit_id = response.json()["id"]
    page = c.get(f"/visits/{visit_id}/").content.decode()
    assert person.name not in page
    assert "data-wanted" not in page
    chief_page = client_for(chief_a).get(f"/visits/{visit_id}/").content.decode()
    assert "data-wanted" in chief_page
    assert person.name in chief_page


def test_the_record_page_shows_the_prompt_and_no_more(
    household_task, officer_a, wanted, client_for
):
    number, person = wanted
    data = visit_input(household_task)
    post = {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "visited",
        "started_at": data.started_at.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": data.ended_at.strftime("%Y-%m-%dT%H:%M"),
        "members": data.members,
        "method": "normal",
        "q_householder_name": "王建国",
        "q_householder_id": number,
        "focuses": ["key-persons", "fugitives"],
    }
    response = client_for(officer_a).post(
        f"/visits/tasks/{household_task.pk}/visit/", post, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "call the station" in page or "值班" in page
    assert person.name not in page
    assert set(VisitFocus.objects.values_list("item__code", flat=True)) == {
        "key-persons",
        "fugitives",
    }


def test_no_alert_for_a_person_who_is_not_wanted(household_task, officer_a, chief_a, tree):
    place = dwelling(tree.beat_b, road="丁庄大街", number="98")
    number = id_number()
    resident(Household.objects.get(place=place), name="孙某", id_no=number)
    visit = _visit_naming(household_task, officer_a, number)
    assert not WantedAlert.objects.exists()
    assert not Notification.objects.filter(kind="wanted_match").exists()
    assert VisitPerson.objects.filter(visit=visit).count() == 1


def test_the_supervision_score_counts_the_focuses_each_unit_inspected(
    household_task, tasks, places, officer_a, campaign, tree
):
    """Supervision's 排查重点 component: of the six focuses, the share a unit's visits
    recorded at least once; a unit with none recorded has no figure (not a zero)."""
    from zoufang.supervision.components import focuses_inspected

    record(household_task, officer_a, focuses=["key-persons", "disputes"])
    record(tasks[places.dwellings[1].pk], officer_a, focuses=["disputes", "fire-safety"])
    shares = focuses_inspected(campaign, [tree.beat_a, tree.beat_a2, tree.beat_b])
    assert shares == {tree.beat_a.pk: round(100 * 3 / len(FOCUS_CODES), 1)}
    counties = focuses_inspected(campaign, [tree.county_x, tree.county_y])
    assert counties == {tree.county_x.pk: shares[tree.beat_a.pk]}
