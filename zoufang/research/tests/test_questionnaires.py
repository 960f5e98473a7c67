from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zoufang.core.tests.exports import export_table
from zoufang.notifications.models import Notification
from zoufang.research.models import Invitation, Response
from zoufang.research.services import questionnaires as svc
from zoufang.research.tests.conftest import QUESTIONS, answers_for


def test_questions_are_parsed_with_errors_by_line():
    with pytest.raises(ValidationError) as exc:
        svc.questions_parse("[单选] 只有一个选项\n- 甲\n[猜谜] 什么\n[文本] 建议\n- 不该有选项")
    messages = " ".join(exc.value.message_dict["questions"])
    assert "Line 3" in messages or "第 3 行" in messages
    assert "Line 5" in messages or "第 5 行" in messages
    assert "Line 1" in messages or "第 1 行" in messages  # one choice is not a choice
    parsed = svc.questions_parse(QUESTIONS)
    assert [q.kind for q in parsed] == ["single", "multi", "scale", "text"]
    assert parsed[1].choices == ["报表多", "警力不足", "群众不在家"]


def test_no_questions_and_a_past_closing_date_are_refused(campaign, office, client_for):
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = client_for(office).post(
        reverse("research:questionnaire_new"),
        {"title": "问计", "audience": "officers", "closes_on": past, "questions": "   "},
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert page.count('data-error="') >= 2  # the closing date and the questions
    assert not Response.objects.exists()


def test_publishing_invites_the_officers_of_the_unit_only(
    make_questionnaire, tree, officer_a, chief_a, officer_b, leader
):
    q = make_questionnaire(unit=tree.county_x)
    invited = set(
        Invitation.objects.filter(questionnaire=q).values_list("user__username", flat=True)
    )
    assert invited == {officer_a.username, chief_a.username}
    # They hear of it through the bell; nobody else does.
    told = Notification.objects.filter(kind="questionnaire").values_list(
        "user__username", flat=True
    )
    assert set(told) == invited


def test_the_leadership_questionnaire_goes_to_the_leadership(
    make_questionnaire, leader, officer_a, office
):
    q = make_questionnaire(audience="leadership")
    assert list(Invitation.objects.filter(questionnaire=q).values_list("user", flat=True)) == [
        leader.pk
    ]


def test_an_invitee_answers_once(make_questionnaire, tree, officer_a, client_for):
    q = make_questionnaire(unit=tree.county_x)
    c = client_for(officer_a)
    form = {f"q{k}": v for k, v in answers_for(q).items()}
    assert c.post(reverse("research:questionnaire", args=[q.pk]), form).status_code == 302
    page = c.post(
        reverse("research:questionnaire", args=[q.pk]), form, follow=True
    ).content.decode()
    assert Response.objects.filter(questionnaire=q).count() == 1
    assert "already answered" in page or "已经" in page


def test_missing_and_invalid_answers_are_reported_per_question(make_questionnaire, tree, officer_a):
    q = make_questionnaire(unit=tree.county_x)
    questions = list(q.questions.all())
    bad = {questions[0].pk: ["不存在的选项"], questions[2].pk: ["9"]}
    with pytest.raises(ValidationError) as exc:
        svc.response_submit(user=officer_a, questionnaire=q, answers=bad)
    assert set(exc.value.message_dict) == {str(x.pk) for x in questions}
    assert not Response.objects.exists()


def test_answers_after_closing_are_refused(make_questionnaire, tree, officer_a):
    q = make_questionnaire(unit=tree.county_x)
    after = q.closes_on + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match=r"closed|截止"):
        svc.response_submit(user=officer_a, questionnaire=q, answers=answers_for(q), today=after)
    assert not Invitation.objects.get(user=officer_a).answered


def test_who_was_not_asked_gets_404(
    make_questionnaire, tree, officer_a, officer_b, researcher, client_for
):
    q = make_questionnaire(unit=tree.county_x)
    for user in (officer_b, researcher):
        c = client_for(user)
        assert c.get(reverse("research:questionnaire", args=[q.pk])).status_code == 404
        form = {f"q{k}": v for k, v in answers_for(q).items()}
        assert c.post(reverse("research:questionnaire", args=[q.pk]), form).status_code == 404
        assert c.get(reverse("research:questionnaire_results", args=[q.pk])).status_code == 404
        assert (
            str(q.pk)
            not in c.get(reverse("research:questionnaires"))
            .content.decode()
            .split("data-questionnaire=")[-1][:5]
        )
    assert not Response.objects.exists()


def test_a_draft_is_not_published_without_questions_or_after_its_date(
    campaign, office, make_questionnaire
):
    q = make_questionnaire(publish=False)
    q.questions.all().delete()
    with pytest.raises(ValidationError):
        svc.questionnaire_publish(actor=office, questionnaire=q)
    q = make_questionnaire(publish=False)
    q.closes_on = timezone.localdate() - dt.timedelta(days=1)
    q.save()
    with pytest.raises(ValidationError):
        svc.questionnaire_publish(actor=office, questionnaire=q)
    assert not Invitation.objects.exists()


def test_results_count_each_answer_and_export(
    make_questionnaire,
    tree,
    officer_a,
    chief_a,
    county_admin,
    office,
    leader,
    officer_b,
    client_for,
):
    q = make_questionnaire(unit=tree.county_x)
    svc.response_submit(
        user=officer_a,
        questionnaire=q,
        answers=answers_for(
            q, multi=("报表多", "警力不足"), scale="5", text="减少报表台账,增加警力"
        ),
    )
    svc.response_submit(
        user=chief_a,
        questionnaire=q,
        answers=answers_for(q, single="未完成", scale="3", text="报表台账太多"),
    )
    page = (
        client_for(leader)
        .get(reverse("research:questionnaire_results", args=[q.pk]))
        .content.decode()
    )
    assert "2/3" in page  # county_admin was invited and has not answered
    assert "4.0" in page  # the mean of 5 and 3
    rows = export_table(
        client_for(office).get(
            reverse("research:questionnaire_results", args=[q.pk]) + "?export=xlsx"
        )
    )
    by = {(r[0], r[2]): r[3] for r in rows[1:]}
    assert by[("困难", "报表多")] == 2
    assert by[("困难", "警力不足")] == 1
    assert by[("走访进度", "未完成")] == 1
    assert by[("满意度", "5")] == 1
    texts = [r[2] for r in rows if r[0] == "建议"]
    assert len(texts) == 2
    assert all("报表" in t for t in texts)
    # Officers do not read results, even of a questionnaire they were sent.
    assert (
        client_for(officer_a)
        .get(reverse("research:questionnaire_results", args=[q.pk]))
        .status_code
        == 403
    )
