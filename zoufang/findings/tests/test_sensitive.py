"""Sensitive clues (涉恐涉稳, 涉黑涉恶): content only in the owning chain with the permission,
and for the leadership; others see a restricted item; every opening is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zoufang.findings.models import FindingAccess, FindingKind


@pytest.fixture
def clue(raise_finding, officer_a):
    return raise_finding(officer_a, kind_code="clue-gang", description="某KTV疑似有人收保护费")


def test_a_gang_clue_is_sensitive_and_owned_by_the_county(clue, tree):
    assert clue.sensitive
    assert clue.owner_unit == tree.county_x  # default grade: serious


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("county_admin", True),  # owning chain, permission
        ("leader", True),  # leadership
        ("chief_a", False),  # has the permission but below the owner
        ("officer_a", False),  # raised it, no permission
        ("office", False),  # campaign-wide, no permission
    ],
)
def test_who_reads_a_sensitive_clue(clue, client_for, request, who, sees):
    user = request.getfixturevalue(who)
    r = client_for(user).get(reverse("findings:detail", args=[clue.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert ("收保护费" in body) is sees
    assert clue.number in body
    log = FindingAccess.objects.get(finding=clue, user=user)
    assert log.granted is sees


def test_outside_the_chain_it_does_not_exist(clue, client_for, officer_b):
    r = client_for(officer_b).get(reverse("findings:detail", args=[clue.pk]))
    assert r.status_code == 404


def test_the_ledger_shows_a_restricted_row_without_content(clue, client_for, officer_a):
    r = client_for(officer_a).get(reverse("findings:ledger"))
    body = r.content.decode()
    assert clue.number in body
    assert "收保护费" not in body
    assert 'data-restricted="1"' in body


def test_filtering_by_kind_does_not_reveal_restricted_items(clue, client_for, officer_a):
    r = client_for(officer_a).get(reverse("findings:ledger"), {"kind": "clue-gang"})
    assert clue.number not in r.content.decode()


def test_the_api_gives_only_the_number(clue, client_for, officer_a):
    r = client_for(officer_a).get(f"/api/v1/findings/{clue.pk}")
    assert r.status_code == 200
    assert r.json()["restricted"] is True
    assert r.json()["description"] is None


def test_a_restricted_user_cannot_act(clue, client_for, chief_a):
    r = client_for(chief_a).post(
        f"/api/v1/findings/{clue.pk}/transitions",
        {"action": "triage", "version": clue.version},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_which_kinds_are_sensitive_is_configurable(raise_finding, officer_a, client_for):
    FindingKind.objects.filter(code="clue-vice").update(sensitive=True)
    f = raise_finding(officer_a, kind_code="clue-vice", description="棋牌室聚众赌博")
    assert f.sensitive
    r = client_for(officer_a).get(reverse("findings:detail", args=[f.pk]))
    assert "聚众赌博" not in r.content.decode()
