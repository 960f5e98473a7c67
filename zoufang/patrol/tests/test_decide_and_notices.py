"""Confirm / dismiss with a comment, the rectification notice, the unit's reply, the re-check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zoufang.notifications.models import Notification
from zoufang.patrol.models import FlagState, Notice, NoticeState
from zoufang.patrol.selectors import confirmed_flag_counts, rule_list
from zoufang.patrol.services.decide import flag_decide, notice_recheck, notice_reply


def test_confirming_sends_a_notice_to_the_unit(short_visits, supervisor, officer_a, chief_a):
    deadline = timezone.localdate() + dt.timedelta(days=5)
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=True, comment="两分钟不可能完成入户", deadline=deadline, requirement="重新走访并说明")  # fmt: skip
    notice = Notice.objects.get(flag=short_visits.flag_a)
    assert notice.unit == short_visits.a.beat
    assert notice.deadline == deadline
    assert notice.state == NoticeState.OPEN
    told = set(Notification.objects.filter(kind="patrol.notice").values_list("user", flat=True))
    assert officer_a.pk in told
    assert chief_a.pk in told


def test_a_decision_needs_a_comment(short_visits, supervisor):
    with pytest.raises(ValidationError):
        flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=False, comment="  ")
    short_visits.flag_a.refresh_from_db()
    assert short_visits.flag_a.state == FlagState.OPEN


def test_a_unit_cannot_decide_its_own_flags(short_visits, chief_a):
    with pytest.raises(PermissionDenied):
        flag_decide(actor=chief_a, flag=short_visits.flag_a, confirm=False, comment="不是问题")


def test_a_flag_is_decided_once(short_visits, supervisor, office):
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=False, comment="预约时间短")
    with pytest.raises(ValidationError):
        flag_decide(actor=office, flag=short_visits.flag_a, confirm=True, comment="again")
    assert not Notice.objects.exists()


def test_the_past_is_no_deadline(short_visits, supervisor):
    past = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=True, comment="x", deadline=past)  # fmt: skip


def test_reply_then_reopen_then_close(short_visits, supervisor, officer_a, officer_b):
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=True, comment="走过场")
    notice = Notice.objects.get()
    with pytest.raises(PermissionDenied):
        notice_reply(actor=officer_b, notice=notice, text="与我无关的整改")
    notice_reply(actor=officer_a, notice=notice, text="已重新入户走访并补录")
    notice.refresh_from_db()
    assert notice.state == NoticeState.REPLIED
    notice_recheck(actor=supervisor, notice=notice, close=False, note="补录内容仍不完整")
    notice.refresh_from_db()
    assert notice.state == NoticeState.OPEN
    assert Notification.objects.filter(kind="patrol.notice_reopened", user=officer_a).exists()
    notice_reply(actor=officer_a, notice=notice, text="已补全全部内容")
    notice_recheck(actor=supervisor, notice=notice, close=True, note="核实无误")
    notice.refresh_from_db()
    assert notice.state == NoticeState.CLOSED
    assert [e.action for e in notice.events.all()] == ["issue", "reply", "reopen", "reply", "close"]


def test_dismissal_rate_beside_each_rule(short_visits, supervisor, campaign):
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=False, comment="误报")
    flag_decide(actor=supervisor, flag=short_visits.flag_b, confirm=True, comment="属实")
    rule = next(r for r in rule_list(campaign) if r.kind == "min_duration")
    assert (rule.confirmed_count, rule.dismissed_count, rule.dismissal_rate) == (1, 1, 50)


def test_confirmed_flag_counts_per_unit_and_team(short_visits, supervisor, campaign, tree, people):
    flag_decide(actor=supervisor, flag=short_visits.flag_a, confirm=True, comment="属实")
    flag_decide(actor=supervisor, flag=short_visits.flag_b, confirm=False, comment="误报")
    units = [tree.county_x, tree.county_y, tree.s1, tree.beat_a2]
    assert confirmed_flag_counts(campaign, units) == {
        tree.county_x.pk: 1,
        tree.county_y.pk: 0,
        tree.s1.pk: 1,
        tree.beat_a2.pk: 0,
    }
    assert confirmed_flag_counts(campaign, units, per="team") == {people.team_a.pk: 1}
    from zoufang.core.scope import Scope

    assert confirmed_flag_counts(campaign, Scope(path=tree.county_y.path)) == {}
