from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from zoufang.research.models import Activity, ActivityPhoto, Topic


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    return buf.getvalue()


def test_a_researcher_creates_a_topic_of_their_own_department(
    researcher, zhian, jiaojing, campaign, client_for
):
    c = client_for(researcher)
    # Even when the form is tampered to name another department, it is their own.
    r = c.post(
        reverse("research:topic_new"),
        {"department": jiaojing.pk, "title": "夜间巡逻调研", "leader_name": "王副局长"},
    )
    assert r.status_code == 200  # another department is not a valid choice
    assert not Topic.objects.exists()
    r = c.post(
        reverse("research:topic_new"),
        {"department": zhian.pk, "title": "夜间巡逻调研", "leader_name": "王副局长"},
    )
    topic = Topic.objects.get()
    assert r["Location"] == reverse("research:topic", args=[topic.pk])
    assert topic.department == zhian


def test_researchers_see_their_department_and_the_office_all(
    topic, jj_topic, researcher, researcher_jj, office, leader, client_for
):
    page = client_for(researcher).get(reverse("research:index")).content.decode()
    assert topic.title in page
    assert jj_topic.title not in page
    assert (
        client_for(researcher).get(reverse("research:topic", args=[jj_topic.pk])).status_code == 404
    )
    assert (
        client_for(researcher_jj).get(reverse("research:topic", args=[topic.pk])).status_code == 404
    )
    for user in (office, leader):
        page = client_for(user).get(reverse("research:index")).content.decode()
        assert topic.title in page
        assert jj_topic.title in page


def test_line_officers_have_no_research_pages(topic, officer_a, county_admin, client_for):
    assert client_for(officer_a).get(reverse("research:index")).status_code == 403
    assert (
        client_for(county_admin).get(reverse("research:topic", args=[topic.pk])).status_code == 404
    )
    assert client_for(officer_a).get(reverse("research:words")).status_code == 403


def test_the_leadership_reads_but_does_not_write(topic, leader, client_for):
    c = client_for(leader)
    assert c.get(reverse("research:topic", args=[topic.pk])).status_code == 200
    r = c.post(reverse("research:problem_new", args=[topic.pk]), {"description": "x"})
    assert r.status_code == 403


def test_an_activity_with_photos_is_recorded_and_its_photo_is_scoped(
    topic, researcher, researcher_jj, client_for
):
    c = client_for(researcher)
    r = c.post(
        reverse("research:activity_new", args=[topic.pk]),
        {
            "kind": "visit",
            "held_on": timezone.localdate().isoformat(),
            "place_kind": "enterprise",
            "place": "许继集团",
            "met": "保卫科长",
            "heard": "希望加强厂区周边巡逻",
            "photos": [SimpleUploadedFile("a.png", _png(), content_type="image/png")],
        },
    )
    assert r.status_code == 302
    photo = ActivityPhoto.objects.get()
    assert c.get(reverse("research:photo", args=[photo.pk])).status_code == 200
    assert (
        client_for(researcher_jj).get(reverse("research:photo", args=[photo.pk])).status_code == 404
    )
    assert (
        client_for(researcher_jj)
        .post(reverse("research:activity_new", args=[topic.pk]), {})
        .status_code
        == 404
    )


def test_a_forum_needs_minutes_and_attendees_and_bad_files_are_refused(
    topic, researcher, client_for
):
    c = client_for(researcher)
    base = {
        "kind": "forum",
        "held_on": timezone.localdate().isoformat(),
        "place_kind": "grassroots",
        "place": "西大街派出所",
    }
    page = c.post(reverse("research:activity_new", args=[topic.pk]), base).content.decode()
    assert "minutes and its attendees" in page or "纪要" in page
    r = c.post(
        reverse("research:activity_new", args=[topic.pk]),
        {
            **base,
            "minutes": "扬成绩……",
            "attendees": "所长、民警",
            "photos": [SimpleUploadedFile("x.png", b"not an image")],
        },
    )
    assert r.status_code == 200
    assert not Activity.objects.exists()
    future = {
        **base,
        "minutes": "m",
        "attendees": "a",
        "held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }
    assert c.post(reverse("research:activity_new", args=[topic.pk]), future).status_code == 200
    assert not Activity.objects.exists()
    ok = {**base, "minutes": "扬成绩、补短板、理思路", "attendees": "所长、民警"}
    assert c.post(reverse("research:activity_new", args=[topic.pk]), ok).status_code == 302
    assert Activity.objects.get().kind == "forum"


@pytest.mark.parametrize("role", ["office", "researcher"])
def test_the_overview_counts_a_departments_work(
    role, request, topic, researcher, client_for, zhian
):
    from zoufang.research.services import topics as svc

    svc.activity_record(
        actor=researcher,
        topic=topic,
        data={
            "kind": "forum",
            "held_on": timezone.localdate(),
            "place_kind": "community",
            "place": "文峰社区",
            "minutes": "m",
            "attendees": "a",
        },
    )
    svc.problem_record(
        actor=researcher,
        topic=topic,
        description="d",
        root_cause="c",
        countermeasure="m",
        owner_department=zhian,
    )
    page = client_for(request.getfixturevalue(role)).get(reverse("research:index")).content.decode()
    row = page.split(f'data-department="{zhian.code}"')[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="text-end">')[1:]]
    assert cells[:4] == ["1", "1", "1", "1"]  # topics, activities, forums, problems
