"""The phone page that records a visit: it renders the campaign's form, saves a good
submission, and gives a refused one back filled in."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zoufang.campaigns.models import VisitForm
from zoufang.findings.models import Finding
from zoufang.visits.models import TaskState, Visit, VisitPhoto
from zoufang.visits.tests.factories import PNG


def _post(task, people, **extra) -> dict:
    end = timezone.localtime() - dt.timedelta(minutes=5)
    data = {
        "client_uuid": str(uuid.uuid4()),
        "members": [str(people.co_a.pk), str(people.aux_a.pk)],
        "started_at": (end - dt.timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": end.strftime("%Y-%m-%dT%H:%M"),
        "method": "normal",
        "outcome": "visited",
        "q_householder_name": "刘桂兰",
        "q_satisfaction": "满意",
        "topics": ["traffic", "drugs", "criminal", "terrorism", "public-security", "civility"],
        "leaflet_civility": "1",
        "f_kind": [""],
        "f_description": [""],
        "f_grade": [""],
    }
    data.update(extra)
    return data


def test_the_household_form_shows_every_question_of_the_campaign_form(
    client_for, officer_a, household_task, catalog
):
    response = client_for(officer_a).get(reverse("visits:record", args=[household_task.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    form = VisitForm.objects.get(campaign=household_task.campaign, code="household")
    for section in form.schema["sections"]:
        assert section["title"] in page
        for q in section["questions"]:
            assert f'name="q_{q["code"]}"' in page
    assert "李辅警" in page  # the team's members to tick


def test_a_question_added_to_the_campaign_form_appears_without_code(
    client_for, officer_a, household_task, catalog, people
):
    form = VisitForm.objects.get(campaign=household_task.campaign, code="household")
    form.schema["sections"][0]["questions"].append(
        {"code": "pets", "label": "是否饲养犬只", "type": "bool"}
    )
    form.save()
    c = client_for(officer_a)
    assert (
        "是否饲养犬只" in c.get(reverse("visits:record", args=[household_task.pk])).content.decode()
    )
    data = _post(household_task, people, q_pets="yes")
    c.post(reverse("visits:record", args=[household_task.pk]), data)
    assert Visit.objects.get().answers["pets"] is True


def test_the_shop_form_shows_the_shop_questions_not_the_household_ones(
    client_for, officer_a, tasks, places, catalog
):
    page = client_for(officer_a).get(reverse("visits:record", args=[tasks[places.shop.pk].pk]))
    text = page.content.decode()
    assert "企业门店走访表" in text
    assert 'name="q_business_scope"' in text
    assert 'name="q_householder_name"' not in text
    assert 'name="q_security_org"' not in text  # the enterprise section


def test_a_good_submission_is_saved_and_the_task_leaves_today_list(
    client_for, officer_a, household_task, people, catalog
):
    c = client_for(officer_a)
    data = _post(
        household_task,
        people,
        f_kind=["dispute-neighbour"],
        f_description=["楼上漏水引发邻里纠纷"],
        f_grade=["general"],
        photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
    )
    response = c.post(reverse("visits:record", args=[household_task.pk]), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.outcome == "visited"
    assert visit.topic_count == 6
    assert visit.photos.count() == 1
    assert Finding.objects.filter(visit_id=visit.pk, kind__code="dispute-neighbour").exists()
    today = c.get(reverse("visits:today")).content.decode()
    assert f'data-task="{household_task.pk}"' not in today


def test_a_refused_submission_comes_back_filled_in(
    client_for, officer_a, household_task, people, catalog
):
    data = _post(
        household_task,
        people,
        q_householder_id="41010219850101123X",  # wrong check digit
        note="晚上七点后在家",
        f_kind=["hazard-fire"],
        f_description=["楼道堆放杂物"],
        f_grade=[""],
        photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
    )
    response = client_for(officer_a).post(reverse("visits:record", args=[household_task.pk]), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-error="q_householder_id"' in page
    assert 'value="41010219850101123X"' in page
    assert "刘桂兰" in page
    assert "晚上七点后在家" in page
    assert "楼道堆放杂物" in page
    assert f'value="{data["client_uuid"]}"' in page
    assert 'data-kept-photos="1"' in page  # the photo is not lost either
    assert Visit.objects.count() == 0
    # Fixing the one field sends it, with the photo kept from the first try.
    data["q_householder_id"] = ""
    data.pop("photos")
    client_for(officer_a).post(reverse("visits:record", args=[household_task.pk]), data)
    assert Visit.objects.get().photos.count() == 1


def test_a_file_that_is_not_an_image_is_refused(
    client_for, officer_a, household_task, people, catalog
):
    data = _post(
        household_task,
        people,
        photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 ...", content_type="image/png")],
    )
    response = client_for(officer_a).post(reverse("visits:record", args=[household_task.pk]), data)
    assert response.status_code == 422
    assert 'data-error="photos"' in response.content.decode()
    assert Visit.objects.count() == 0
    assert VisitPhoto.objects.count() == 0


def test_a_too_large_photo_is_refused(
    client_for, officer_a, household_task, people, catalog, settings
):
    settings.VISITS_PHOTO_MAX_MB = 0.001
    data = _post(
        household_task,
        people,
        photos=[SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 5000)],
    )
    response = client_for(officer_a).post(reverse("visits:record", args=[household_task.pk]), data)
    assert response.status_code == 422
    # The error names the photo (the page's help text says "MB" whatever happens).
    assert re.search(r'data-error="photos">[^<]*big\.jpg[^<]*MB', response.content.decode())
    assert (Visit.objects.count(), VisitPhoto.objects.count()) == (0, 0)


def test_a_double_tap_saves_one_visit(client_for, officer_a, household_task, people, catalog):
    c = client_for(officer_a)
    data = _post(household_task, people)
    url = reverse("visits:record", args=[household_task.pk])
    c.post(url, data)
    c.post(url, data)
    assert Visit.objects.count() == 1


def test_nobody_home_at_phone_width_needs_no_form_answers(
    client_for, member_a, household_task, people, catalog
):
    data = _post(household_task, people, outcome="nobody_home", q_householder_name="")
    response = client_for(member_a).post(reverse("visits:record", args=[household_task.pk]), data)
    assert response.status_code == 302
    household_task.refresh_from_db()
    assert household_task.state == TaskState.RETRY


def test_officer_b_gets_404_for_a_task_of_beat_a(client_for, officer_b, household_task, people):
    c = client_for(officer_b)
    for name in ("visits:record", "visits:task_detail"):
        assert c.get(reverse(name, args=[household_task.pk])).status_code == 404
    assert (
        c.post(
            reverse("visits:record", args=[household_task.pk]), _post(household_task, people)
        ).status_code
        == 404
    )
    assert Visit.objects.count() == 0


def test_officer_b_gets_404_for_a_visit_and_its_photo(
    client_for, officer_a, officer_b, household_task, people, catalog
):
    data = _post(
        household_task, people, photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")]
    )
    client_for(officer_a).post(reverse("visits:record", args=[household_task.pk]), data)
    visit = Visit.objects.get()
    photo = visit.photos.get()
    assert client_for(officer_a).get(reverse("visits:photo", args=[photo.pk])).status_code == 200
    c = client_for(officer_b)
    assert c.get(reverse("visits:visit_detail", args=[visit.pk])).status_code == 404
    assert c.get(reverse("visits:photo", args=[photo.pk])).status_code == 404


def test_the_supervisor_may_look_but_not_record(client_for, supervisor, household_task, people):
    c = client_for(supervisor)
    assert c.get(reverse("visits:task_detail", args=[household_task.pk])).status_code == 200
    assert c.get(reverse("visits:record", args=[household_task.pk])).status_code == 403
