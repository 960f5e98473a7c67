"""An anonymous questionnaire's answers cannot be linked to a person: no user column, no
time finer than a day, no sequential ids, and no log line that carries both."""

from __future__ import annotations

import logging
import uuid

from auditlog.models import LogEntry
from django.conf import settings
from django.db import models
from django.urls import reverse

from zoufang.research.models import Answer, NamedResponse, Response
from zoufang.research.services import questionnaires as svc
from zoufang.research.tests.conftest import answers_for


def test_a_response_row_has_no_user_column_and_no_time_of_day():
    for model in (Response, Answer):
        for f in model._meta.concrete_fields:
            assert not (
                f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL
            ), f
            assert not isinstance(f, models.DateTimeField | models.TimeField), f
    assert isinstance(Response._meta.get_field("answered_on"), models.DateField)


def test_anonymous_answers_keep_no_link_and_named_ones_do(
    make_questionnaire, tree, officer_a, chief_a
):
    anon = make_questionnaire(unit=tree.county_x)
    named = make_questionnaire(unit=tree.county_x, anonymous=False)
    r1 = svc.response_submit(user=officer_a, questionnaire=anon, answers=answers_for(anon))
    r2 = svc.response_submit(user=officer_a, questionnaire=named, answers=answers_for(named))
    assert not NamedResponse.objects.filter(response=r1).exists()
    assert NamedResponse.objects.get(response=r2).user == officer_a
    # Nothing else names the user: the only row about them says "answered", not what or when.
    values = list(Response.objects.filter(pk=r1.pk).values()) + list(
        Answer.objects.filter(response=r1).values()
    )
    for row in values:
        assert not [k for k in row if "user" in k]
        assert officer_a.username not in row.values()


def test_ids_are_random_not_sequential(make_questionnaire, tree, officer_a, chief_a, county_admin):
    q = make_questionnaire(unit=tree.county_x)
    made = [
        svc.response_submit(user=u, questionnaire=q, answers=answers_for(q))
        for u in (officer_a, chief_a, county_admin)
    ]
    for r in made:
        assert isinstance(r.pk, uuid.UUID)
        assert r.pk.version == 4
    ids = [r.pk.int for r in made]
    assert ids != sorted(ids) or ids != sorted(ids, reverse=True) or len(set(ids)) == 3
    # Two consecutive responses' ids share no counter: far apart in the id space.
    assert abs(ids[1] - ids[0]) > 2**64
    for a in Answer.objects.filter(response__in=made):
        assert isinstance(a.pk, uuid.UUID)
        assert a.pk.version == 4


def test_no_log_line_or_audit_entry_carries_both_the_person_and_the_answer(
    make_questionnaire, tree, officer_a, client_for, caplog
):
    q = make_questionnaire(unit=tree.county_x)
    secret = "希望减少夜间值班密钥XYZ"
    form = {f"q{k}": v for k, v in answers_for(q, text=secret).items()}
    entries_before = LogEntry.objects.count()
    with caplog.at_level(logging.DEBUG):
        response = client_for(officer_a).post(reverse("research:questionnaire", args=[q.pk]), form)
    assert response.status_code == 302
    assert Answer.objects.filter(text=secret).exists()
    person = {officer_a.username, str(officer_a.pk), officer_a.display_name}
    for record in caplog.records:
        line = record.getMessage() + " " + " ".join(str(v) for v in record.__dict__.values())
        assert not (secret in line and any(p in line for p in person)), line
        assert "Answer" not in line or secret not in line
    # The audit trail (django-auditlog) records nothing of the answer either.
    new = LogEntry.objects.all()[: LogEntry.objects.count() - entries_before]
    assert not [e for e in new if secret in str(e.changes)]
