"""The user guide (操作手册): served behind 帮助 for everyone, one guide per role, its pictures
taken by this test on every run; a page whose outline changed without its picture being
refreshed (`make manual`) fails here."""

from __future__ import annotations

import os
import re

import pytest
from django.urls import reverse

from conftest import BROWSER_TEST
from zoufang.home import manual
from zoufang.home.tests.manual_shots import (
    MAX_HEIGHT,
    OUTLINE_JS,
    SHOTS,
    Shot,
    record,
    recorded,
)
from zoufang.org.tests.otp import browser_log_in

PASSWORD = "pw-for-tests-1"
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(img/([a-z0-9-]+)\.png\)")


def _referenced() -> dict[str, set[str]]:
    return {
        g.slug: set(_IMAGE_REF.findall((manual.MANUAL_DIR / f"{g.slug}.md").read_text()))
        for g in manual.GUIDES
    }


def test_every_guide_shows_only_pictures_the_tests_take_and_uses_them_all():
    taken = {s.name for s in SHOTS}
    refs = _referenced()
    for slug, names in refs.items():
        assert names, f"docs/manual/{slug}.md shows no screenshot"
        assert names <= taken, f"{slug}.md shows pictures no test takes: {names - taken}"
    assert set().union(*refs.values()) == taken, "a screenshot is taken but shown in no guide"


def test_every_picture_of_the_guides_is_committed():
    missing = [s.name for s in SHOTS if manual.image_path(f"{s.name}.png") is None]
    assert not missing, f"run `make manual`: no picture for {missing}"


@pytest.mark.django_db
def test_help_is_one_link_away_on_every_page_and_opens_the_users_own_guide(client_for, chief_a):
    client = client_for(chief_a)
    page = client.get(reverse("org:team_list")).content.decode()
    assert f'href="{reverse("help")}"' in page
    index = client.get(reverse("help")).content.decode()
    assert "派出所所长" in index
    assert 'class="list-group-item list-group-item-action active" href="/help/chief/"' in index
    assert "<img" in index


@pytest.mark.django_db
def test_the_guides_are_readable_before_signing_in(client):
    assert f'href="{reverse("help")}"' in client.get(reverse("login")).content.decode()
    for guide in manual.GUIDES:
        response = client.get(reverse("help_guide", args=[guide.slug]))
        assert response.status_code == 200
        assert guide.title in response.content.decode()
    shot = SHOTS[0].name
    image = client.get(reverse("help_image", args=[f"{shot}.png"]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../settings.png", "..%2Fsecret.png", "x.py", "nope.png"])
def test_only_the_guides_pictures_are_served(client, name):
    assert client.get(f"/help/img/{name}").status_code == 404
    assert client.get("/help/no-such-guide/").status_code == 404


def _ids(tree, people, tasks, places, finding) -> dict[str, int]:
    task = next(t for t in tasks.values() if t.place_id == places.dwellings[1].pk)
    return {
        "task": task.pk,
        "team": people.team_a.pk,
        "beat": tree.beat_a.pk,
        "finding": finding.pk,
        "place": places.dwellings[0].pk,
    }


def _research(researcher, office, *officers) -> dict[str, int]:
    """A topic with a field visit, a forum and a problem, its report under the office's
    review; a questionnaire answered by the officers; the pocket book's starter set."""
    import datetime as dt

    from django.utils import timezone

    from zoufang.campaigns.models import Campaign
    from zoufang.knowledge.services import pocketbook_load
    from zoufang.research.services import questionnaires, reports, topics

    campaign = Campaign.objects.get(is_current=True)
    today = timezone.localdate()
    topic = topics.topic_save(
        actor=researcher,
        campaign=campaign,
        department=researcher.department,
        data={"title": "出租房屋治安管理调研", "leader_name": "王副局长", "members": "李明、赵强"},
    )
    visit = topics.activity_record(
        actor=researcher,
        topic=topic,
        data={
            "kind": "visit",
            "held_on": today - dt.timedelta(days=3),
            "place_kind": "community",
            "place": "文峰社区",
            "met": "社区书记、网格员、房东代表",
            "heard": "流动人口多，部分房东不登记租客信息",
        },
    )
    topics.activity_record(
        actor=researcher,
        topic=topic,
        data={
            "kind": "forum",
            "held_on": today - dt.timedelta(days=1),
            "place_kind": "grassroots",
            "place": "文峰派出所会议室",
            "met": "派出所所长、社区民警",
            "heard": "扬成绩、补短板、理思路",
            "minutes": "一、登记率偏低；二、信息核查渠道不畅；三、建议推行扫码登记。",
            "attendees": "王副局长、李明、赵强、张所长",
        },
    )
    topics.problem_record(
        actor=researcher,
        topic=topic,
        description="出租房屋租客信息登记率偏低",
        root_cause="房东登记意识弱，登记渠道不便",
        countermeasure="推行出租房屋扫码登记，社区民警每月抽查",
        owner_department=researcher.department,
        activity=visit,
    )
    report = reports.report_for(topic)
    report = reports.report_save(
        actor=researcher,
        topic=topic,
        version=report.version,
        data={
            "summary": "走访社区、企业 6 次，召开座谈会 1 次。",
            "achievements": "出租房屋底数基本摸清。",
            "shortcomings": "租客信息登记率偏低。",
            "causes": "房东登记意识弱，登记渠道不便。",
            "countermeasures": "推行扫码登记，纳入社区民警月度考核。",
        },
    )
    reports.report_submit(actor=researcher, report=report)
    questionnaire = questionnaires.questionnaire_save(
        actor=office,
        campaign=campaign,
        data={
            "title": "问计民警：走访中的困难",
            "audience": "officers",
            "unit": None,
            "anonymous": True,
            "closes_on": today + dt.timedelta(days=5),
        },
        questions_text=(
            "[单选] 走访进度\n- 已完成\n- 未完成\n"
            "[多选] 困难\n- 报表多\n- 警力不足\n- 群众不在家\n"
            "[量表] 满意度\n[文本] 建议\n"
        ),
    )
    questionnaires.questionnaire_publish(actor=office, questionnaire=questionnaire)
    by_kind = {"single": ["已完成"], "multi": ["报表多", "群众不在家"], "scale": ["4"]}
    for officer in officers:
        answers = {
            q.pk: by_kind.get(q.kind, ["减少报表台账，多留时间入户"])
            for q in questionnaire.questions.all()
        }
        questionnaires.response_submit(user=officer, questionnaire=questionnaire, answers=answers)
    pocketbook_load()
    return {"topic": topic.pk, "questionnaire": questionnaire.pk}


def _signed_in(browser, base: str, user: str | None, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", device_scale_factor=1
    )
    page = context.new_page()
    if user:
        browser_log_in(page, base, user, PASSWORD)
    return context, page


def _take(page, base: str, shot: Shot, ids: dict) -> tuple[dict, bytes]:
    page.goto(base + shot.path.format(**ids), wait_until="load")
    page.wait_for_timeout(600)  # charts draw after load (no networkidle: some pages poll)
    outline = page.evaluate(OUTLINE_JS)
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    picture = page.screenshot(
        type="png", clip={"x": 0, "y": 0, "width": shot.width, "height": height}, full_page=True
    )
    return outline, picture


@BROWSER_TEST[0]
@BROWSER_TEST[1]
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("catalog")
def test_the_guides_pictures_match_the_pages_they_show(
    live_server,
    browser,
    tree,
    people,
    places,
    tasks,
    officer_a,
    member_a,
    chief_a,
    county_admin,
    office,
    supervisor,
    leader,
    researcher,
):
    from zoufang.findings.services import finding_create
    from zoufang.visits.tests.factories import record as record_visit

    for user in (officer_a, member_a, chief_a, county_admin, office, supervisor, leader):
        user.set_password(PASSWORD)
        user.save()
    researcher.set_password(PASSWORD)
    researcher.save()
    record_visit(tasks[places.dwellings[0].pk], officer_a, members=[people.co_a.pk])
    finding = finding_create(
        actor=officer_a,
        kind_code="dispute-neighbour",
        description="楼上漏水引发邻里纠纷，双方多次争吵",
        place=places.dwellings[2],
    ).finding
    ids = _ids(tree, people, tasks, places, finding)
    ids.update(_research(researcher, office, officer_a, member_a))
    write = os.environ.get("MANUAL_WRITE") == "1"
    changed, sessions = [], {}
    for shot in SHOTS:
        key = (shot.user, shot.width)
        if key not in sessions:
            sessions[key] = _signed_in(browser, live_server.url, shot.user, shot.width)
        outline, picture = _take(sessions[key][1], live_server.url, shot, ids)
        assert picture[:4] == b"\x89PNG", shot.name
        if write:
            record(shot, outline, picture)
        elif outline != recorded(shot):
            changed.append(shot.name)
    for context, _page in sessions.values():
        context.close()
    assert not changed, (
        f"these pages changed since their pictures in docs/manual/img were taken: {changed}. "
        "Run `make manual`, look at the new pictures and update the guide's text if needed."
    )
