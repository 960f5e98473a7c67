"""Issue 11 item 14: a finding handled with local government — referred to a co-handling body
with a contact, a deadline and the feedback received; it stays open until the police close it;
an overdue referral shows on the finding and in the ledger's filter; scoped; phones masked in
lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zoufang.core.tests.exports import export_table
from zoufang.findings.models import FindingTransition, Referral, State
from zoufang.findings.services.referrals import finding_refer, referral_feedback

PHONE = "13712345678"


@pytest.fixture
def finding(raise_finding, officer_a):
    return raise_finding(officer_a, description="宅基地纠纷,需乡政府协调")


def _refer(finding, actor, **kw):
    values = {
        "body_kind": Referral.BodyKind.TOWNSHIP,
        "body_name": "七里店镇人民政府",
        "contact_name": "刘主任",
        "contact_phone": PHONE,
        "deadline": timezone.now() + dt.timedelta(days=3),
        "note": "请镇综治中心牵头调解",
    }
    values.update(kw)
    return finding_refer(finding=finding, actor=actor, **values)


def _make_overdue(referral):
    Referral.objects.filter(pk=referral.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))


def test_a_referral_keeps_the_finding_open_and_is_on_its_timeline(finding, chief_a, client_for):
    state = finding.state
    referral = _refer(finding, chief_a)
    finding.refresh_from_db()
    assert finding.state == state
    assert finding.is_open
    row = FindingTransition.objects.get(finding=finding, action="refer")
    assert row.data["body"] == "七里店镇人民政府"
    page = client_for(chief_a).get(reverse("findings:detail", args=[finding.pk])).content.decode()
    assert f'data-referral="{referral.pk}"' in page
    assert 'data-action="refer"' in page
    assert PHONE in page  # the owner's chief sees the full number


def test_feedback_is_recorded_and_on_the_timeline(finding, chief_a, client_for):
    referral = _refer(finding, chief_a)
    r = client_for(chief_a).post(
        reverse("findings:referral_feedback", args=[referral.pk]),
        {f"fb{referral.pk}-feedback": "镇里已组织双方调解,达成协议"},
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    assert referral.feedback == "镇里已组织双方调解,达成协议"
    assert referral.feedback_at is not None
    assert FindingTransition.objects.filter(finding=finding, action="referral_feedback").exists()
    finding.refresh_from_db()
    assert finding.is_open  # the police still close it


def test_an_overdue_referral_shows_on_the_finding_and_in_the_ledger_filter(
    finding, raise_finding, officer_a, chief_a, client_for
):
    other = raise_finding(officer_a, description="楼道堆物")
    referral = _refer(finding, chief_a)
    _refer(other, chief_a)  # awaiting, not yet due
    client = client_for(chief_a)

    def overdue_numbers():
        page = client.get(reverse("findings:ledger"), {"referral": "overdue"}).content.decode()
        return {n for n in (finding.number, other.number) if f'data-finding="{n}"' in page}

    assert overdue_numbers() == set()
    _make_overdue(referral)
    assert overdue_numbers() == {finding.number}
    awaiting = client.get(reverse("findings:ledger"), {"referral": "awaiting"}).content.decode()
    assert f'data-finding="{other.number}"' in awaiting
    ledger = client.get(reverse("findings:ledger")).content.decode()
    assert ledger.count('data-flag="referral-overdue"') == 1
    detail = client.get(reverse("findings:detail", args=[finding.pk])).content.decode()
    assert 'data-flag="referral-overdue"' in detail
    # Feedback ends the overdue.
    referral_feedback(referral=referral, actor=chief_a, feedback="已反馈")
    assert overdue_numbers() == set()


def test_the_contact_phone_is_masked_in_lists_and_for_who_does_not_manage(
    finding, chief_a, officer_a, client_for
):
    _refer(finding, chief_a)
    r = client_for(chief_a).get(reverse("findings:ledger"), {"export": "xlsx"})
    rows = export_table(r)
    cell = rows[1][-1]
    assert "七里店镇人民政府" in cell
    assert "137****5678" in cell
    assert PHONE not in str(rows)
    page = client_for(officer_a).get(reverse("findings:detail", args=[finding.pk]))
    assert "137****5678" in page.content.decode()
    assert PHONE not in page.content.decode()


def test_outside_the_jurisdiction_a_referral_is_404_and_not_listed(
    finding, chief_a, officer_b, chief_b, client_for
):
    referral = _refer(finding, chief_a)
    _make_overdue(referral)
    for user in (officer_b, chief_b):
        c = client_for(user)
        assert c.post(reverse("findings:refer", args=[finding.pk]), {}).status_code == 404
        r = c.post(
            reverse("findings:referral_feedback", args=[referral.pk]),
            {f"fb{referral.pk}-feedback": "x"},
        )
        assert r.status_code == 404
        page = c.get(reverse("findings:ledger"), {"referral": "overdue"}).content.decode()
        assert finding.number not in page
    referral.refresh_from_db()
    assert referral.feedback == ""


def test_only_its_handlers_refer_and_bad_input_is_refused(finding, chief_a, officer_a, client_for):
    with pytest.raises(PermissionDenied):
        _refer(finding, officer_a)  # sees it (territory), does not handle it
    with pytest.raises(ValidationError) as exc:
        _refer(finding, chief_a, deadline=timezone.now() - dt.timedelta(days=1), contact_phone="12")
    assert set(exc.value.message_dict) >= {"deadline"}
    with pytest.raises(ValidationError) as exc:
        _refer(finding, chief_a, contact_phone="12")
    assert "contact_phone" in exc.value.message_dict
    r = client_for(chief_a).post(
        reverse("findings:refer", args=[finding.pk]),
        {"refer-body_kind": "township", "refer-body_name": "", "refer-contact_name": "刘"},
        follow=True,
    )
    assert r.status_code == 200
    assert not Referral.objects.exists()


def test_a_closed_finding_is_not_referred(finding, chief_a):
    from zoufang.findings.models import Finding

    Finding.objects.filter(pk=finding.pk).update(state=State.CLOSED)
    finding.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _refer(finding, chief_a)
    assert "finding" in exc.value.message_dict
