"""Running the rules: incremental, idempotent, thresholds checked with clear messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zoufang.patrol.models import Flag, Rule, RuleKind, VisitSlot
from zoufang.patrol.rules import KINDS
from zoufang.patrol.services.decide import rule_update
from zoufang.patrol.services.run import patrol_run
from zoufang.visits.tests.factories import record


def test_a_short_visit_is_flagged_and_an_honest_one_is_not(short_visits):
    flagged = set(Flag.objects.filter(rule__kind="min_duration").values_list("visit_id", flat=True))
    assert short_visits.a.pk in flagged
    assert short_visits.honest.pk not in flagged


def test_a_second_run_raises_nothing_twice(short_visits, campaign):
    before = Flag.objects.count()
    run = patrol_run(campaign=campaign)
    assert Flag.objects.count() == before
    assert run.new_flags == 0


def test_the_second_run_reads_only_new_visits(short_visits, campaign, tasks, places, officer_a):
    rule = Rule.objects.get(campaign=campaign, kind=RuleKind.MIN_DURATION)
    assert rule.watermark == short_visits.b.pk
    slots = VisitSlot.objects.count()
    end = timezone.now() - dt.timedelta(minutes=30)
    late = record(tasks[places.dwellings[2].pk], officer_a, started_at=end - dt.timedelta(minutes=1), ended_at=end)  # fmt: skip
    run = patrol_run(campaign=campaign)
    assert run.counts["min_duration"] == 1
    assert Flag.objects.filter(visit_id=late.pk, rule__kind="min_duration").exists()
    # the slot index grew by the new visit's team slot and its members only
    assert VisitSlot.objects.count() - slots == 1 + late.members.count()


def test_a_rule_switched_off_does_not_run(short_visits, campaign, office, tasks, places, officer_a):
    rule = Rule.objects.get(campaign=campaign, kind=RuleKind.MIN_DURATION)
    rule_update(actor=office, rule=rule, enabled=False, params=rule.params)
    end = timezone.now() - dt.timedelta(minutes=30)
    late = record(tasks[places.dwellings[2].pk], officer_a, started_at=end - dt.timedelta(minutes=1), ended_at=end)  # fmt: skip
    patrol_run(campaign=campaign)
    # only the switched-off rule is silent: near midnight the night rule may rightly flag it
    assert not Flag.objects.filter(visit_id=late.pk, rule__kind="min_duration").exists()


def test_a_raised_threshold_applies_to_the_next_visits(short_visits, campaign, office, tasks, places, officer_a):  # fmt: skip
    rule = Rule.objects.get(campaign=campaign, kind=RuleKind.MIN_DURATION)
    rule_update(actor=office, rule=rule, enabled=True, params={**rule.params, "household": 30})
    end = timezone.now() - dt.timedelta(minutes=30)
    v = record(tasks[places.dwellings[2].pk], officer_a, started_at=end - dt.timedelta(minutes=25), ended_at=end)  # fmt: skip
    patrol_run(campaign=campaign)
    assert Flag.objects.filter(visit_id=v.pk, rule__kind="min_duration").exists()


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("min_duration", {"household": 0}, "household"),
        ("min_duration", {"household": "abc"}, "household"),
        ("distance", {"village_m": 50000}, "village_m"),
        ("text_copy", {"similarity": 1.5}, "similarity"),
        ("no_problems", {"alpha": 0.5}, "alpha"),
        ("night", {"from_hour": 25}, "from_hour"),
    ],
)
def test_out_of_range_thresholds_are_refused_with_the_range(kind, params, field):
    with pytest.raises(ValidationError) as exc:
        KINDS[kind].clean(params)
    message = " ".join(exc.value.message_dict[field])
    spec = KINDS[kind].params[field]
    assert str(spec.label) in message
    if not isinstance(params[field], str):
        assert f"{spec.low}" in message
        assert f"{spec.high}" in message


def test_only_the_office_edits_rules(campaign, supervisor, office):
    from django.core.exceptions import PermissionDenied

    from zoufang.patrol.services.run import rules_ensure

    rule = rules_ensure(campaign)[0]
    with pytest.raises(PermissionDenied):
        rule_update(actor=supervisor, rule=rule, enabled=True, params={})
    rule_update(actor=office, rule=rule, enabled=True, params={"household": 7})
    rule.refresh_from_db()
    assert rule.params["household"] == 7
