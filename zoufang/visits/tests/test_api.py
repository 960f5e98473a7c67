"""The phone API: my tasks, submit a visit, upload a photo, raise a finding, coverage."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from zoufang.findings.models import Finding
from zoufang.org.services import api_token_create
from zoufang.visits.models import Visit, VisitPhoto
from zoufang.visits.tests.factories import png as _png


@pytest.fixture
def phone():
    """phone(user) -> a client sending that user's Bearer token, as the phone app does."""

    def make(user) -> Client:
        _token, key = api_token_create(user=user, name="test phone")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


def payload(task, people, **kw) -> dict:
    end = timezone.now() - dt.timedelta(minutes=3)
    data = {
        "client_uuid": str(uuid.uuid4()),
        "task_id": task.pk,
        "outcome": "visited",
        "started_at": (end - dt.timedelta(minutes=15)).isoformat(),
        "ended_at": end.isoformat(),
        "members": [people.co_a.pk, people.aux_a.pk],
        "answers": {"householder_name": "赵德明", "satisfaction": "基本满意"},
        "topics": ["traffic"],
        "leaflets": {"crime-prevention": 3},
    }
    data.update(kw)
    return data


def post(client: Client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def test_my_tasks_lists_my_teams_open_tasks(phone, member_a, tasks, people):
    r = phone(member_a).get("/api/v1/visits/tasks?limit=100")
    assert r.status_code == 200
    body = r.json()
    expected = {t.pk for t in tasks.values() if t.team_id == people.team_a.pk}
    assert {t["id"] for t in body["items"]} == expected
    assert body["count"] == len(expected)
    household = next(t for t in body["items"] if t["kind"] == "household")
    assert household["form_code"] == "household"


def test_submit_returns_201_then_the_same_visit_with_200(
    phone, member_a, household_task, people, catalog, submit_path
):
    c = phone(member_a)
    data = payload(household_task, people)
    first = post(c, "/api/v1/visits/", data)
    assert first.status_code == 201, first.content
    again = post(c, "/api/v1/visits/", data)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["task_state"] == "visited"
    assert Visit.objects.count() == 1


def test_same_uuid_other_content_is_409(phone, member_a, household_task, people, catalog):
    c = phone(member_a)
    data = payload(household_task, people)
    assert post(c, "/api/v1/visits/", data).status_code == 201
    data["note"] = "改了内容"
    r = post(c, "/api/v1/visits/", data)
    assert r.status_code == 409
    assert r.json()["code"] == "conflict"
    assert Visit.objects.count() == 1


def test_bad_input_is_422_naming_the_field(phone, member_a, household_task, people, catalog):
    future = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    r = post(
        phone(member_a),
        "/api/v1/visits/",
        payload(household_task, people, started_at=future, ended_at=future),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"
    assert "started_at" in r.json()["detail"]


def test_officer_b_gets_404_submitting_to_beat_a(
    phone, officer_b, household_task, people, submit_path
):
    r = post(phone(officer_b), "/api/v1/visits/", payload(household_task, people))
    assert r.status_code == 404
    assert phone(officer_b).get(f"/api/v1/visits/tasks/{household_task.pk}").status_code == 404
    assert (
        phone(officer_b).get(f"/api/v1/visits/tasks?beat={household_task.beat_id}").status_code
        == 404
    )
    assert Visit.objects.count() == 0


def test_a_photo_sent_before_the_visit_is_attached_to_it(
    phone, member_a, household_task, people, catalog, submit_path
):
    c = phone(member_a)
    data = payload(household_task, people)
    photo_id = str(uuid.uuid4())
    form = {"visit_uuid": data["client_uuid"], "client_uuid": photo_id, "file": _png()}
    r = c.post("/api/v1/visits/photos", form)
    assert r.status_code == 201, r.content
    assert r.json()["visit_id"] is None
    again = c.post("/api/v1/visits/photos", {**form, "file": _png()})
    assert again.status_code == 200
    visit = post(c, "/api/v1/visits/", data).json()
    assert visit["photo_count"] == 1
    assert VisitPhoto.objects.get().visit_id == visit["id"]


def test_a_strangers_photo_under_the_visits_uuid_is_left_out(
    phone, member_a, officer_b, household_task, people, catalog, submit_path
):
    """Another user's photo sent ahead under the visit's UUID is not attached: the visit is
    accepted (a stranger cannot block it) and its photo_count counts only the sender's own."""
    data = payload(household_task, people)
    for user in (officer_b, member_a):
        form = {"visit_uuid": data["client_uuid"], "client_uuid": str(uuid.uuid4()), "file": _png()}
        assert phone(user).post("/api/v1/visits/photos", form).status_code == 201
    r = post(phone(member_a), "/api/v1/visits/", data)
    assert r.status_code == 201, r.content
    assert r.json()["photo_count"] == 1
    assert VisitPhoto.objects.get(uploaded_by=officer_b).visit_id is None
    assert VisitPhoto.objects.get(uploaded_by=member_a).visit_id == r.json()["id"]
    again = post(phone(member_a), "/api/v1/visits/", data)  # the replay says the same
    assert (again.status_code, again.json()["photo_count"]) == (200, 1)


def test_a_sixth_photo_and_a_non_image_are_refused(phone, member_a):
    c = phone(member_a)
    visit_uuid = str(uuid.uuid4())
    for _ in range(5):
        assert (
            c.post(
                "/api/v1/visits/photos",
                {"visit_uuid": visit_uuid, "client_uuid": str(uuid.uuid4()), "file": _png()},
            ).status_code
            == 201
        )
    r = c.post(
        "/api/v1/visits/photos",
        {"visit_uuid": visit_uuid, "client_uuid": str(uuid.uuid4()), "file": _png()},
    )
    assert r.status_code == 422
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = SimpleUploadedFile("x.jpg", b"hello, not an image", content_type="image/jpeg")
    r = c.post(
        "/api/v1/visits/photos",
        {"visit_uuid": str(uuid.uuid4()), "client_uuid": str(uuid.uuid4()), "file": text},
    )
    assert r.status_code == 422
    assert "photo" in r.json()["detail"]


def test_officer_b_gets_404_adding_a_photo_to_a_beat_a_visit(
    phone, member_a, officer_b, household_task, people, catalog
):
    data = payload(household_task, people)
    post(phone(member_a), "/api/v1/visits/", data)
    r = phone(officer_b).post(
        "/api/v1/visits/photos",
        {"visit_uuid": data["client_uuid"], "client_uuid": str(uuid.uuid4()), "file": _png()},
    )
    assert r.status_code == 404


def test_raise_a_finding_from_a_visit_is_idempotent(
    phone, member_a, officer_b, household_task, people, catalog
):
    c = phone(member_a)
    visit = post(c, "/api/v1/visits/", payload(household_task, people)).json()
    body = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "clue-fraud",
        "description": "有人冒充客服电话诈骗老人",
    }
    url = f"/api/v1/visits/{visit['id']}/findings"
    first = post(c, url, body)
    assert first.status_code == 201, first.content
    assert post(c, url, body).status_code == 200
    assert post(c, url, {**body, "description": "别的"}).status_code == 409
    finding = Finding.objects.get(visit_id=visit["id"])
    assert finding.source == "visit"
    assert Visit.objects.get().finding_count == 1
    assert (
        post(phone(officer_b), url, {**body, "client_uuid": str(uuid.uuid4())}).status_code == 404
    )


def test_coverage_matches_the_records(
    phone, chief_a, officer_b, household_task, people, catalog, tree
):
    post(phone(chief_a), "/api/v1/visits/", payload(household_task, people))
    r = phone(chief_a).get(f"/api/v1/visits/coverage?unit={tree.s1.pk}")
    assert r.status_code == 200
    body = r.json()
    from zoufang.visits.models import VisitTask

    in_s1 = VisitTask.objects.filter(unit_path__startswith=tree.s1.path)
    assert body["unit"]["total"]["places"] == in_s1.count()
    assert body["unit"]["total"]["visited"] == in_s1.filter(state="visited").count()
    beat_a = next(ch for ch in body["children"] if ch["unit_id"] == tree.beat_a.pk)
    assert beat_a["by_kind"]["household"]["visited"] == 1
    assert phone(officer_b).get(f"/api/v1/visits/coverage?unit={tree.s1.pk}").status_code == 404


def test_forms_describe_the_questions(phone, member_a, campaign):
    r = phone(member_a).get("/api/v1/visits/forms")
    codes = {f["code"] for f in r.json()}
    assert codes == {"household", "community", "enterprise-shop"}


def test_a_phone_posts_with_its_token_and_no_csrf_cookie(member_a, household_task, people, catalog):
    """The real phone case: CSRF checks on, no session cookie, a Bearer token."""
    _token, key = api_token_create(user=member_a)
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(c, "/api/v1/visits/", payload(household_task, people)).status_code == 201


def test_a_session_post_without_the_csrf_token_is_still_refused(
    client_for, member_a, household_task, people
):
    c = Client(enforce_csrf_checks=True)
    c.force_login(member_a)
    assert post(c, "/api/v1/visits/", payload(household_task, people)).status_code in {401, 403}
    assert Visit.objects.count() == 0
