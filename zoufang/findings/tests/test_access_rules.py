"""Each access rule is written once and spelled twice (a Q for lists, a Python check for one
finding): both spellings agree for every role, on sensitive and ordinary findings, in and out
of the user's scope, owned elsewhere and pending a transfer."""

from __future__ import annotations

import pytest

from zoufang.findings.access import can_read, may_see, readable_q
from zoufang.findings.models import Finding
from zoufang.findings.tests.cast import ROLES


@pytest.fixture
def findings(raise_finding, act, office, tree):
    """Sensitive and ordinary findings in both counties, some escalated to the city, some
    pending a transfer to the other county."""
    rows = []
    for beat, other in ((tree.beat_a, tree.s2), (tree.beat_b, tree.s1)):
        for kind in ("clue-gang", "dispute-neighbour"):
            rows.append(raise_finding(None, kind_code=kind, beat=beat, grade="general"))
            rows.append(
                raise_finding(None, kind_code=kind, beat=beat, grade="general", description="升级")
            )
            act(rows[-1], office, "escalate", comment="提请上级")
            act(rows[-1], office, "escalate", comment="提请市局")
            rows.append(raise_finding(None, kind_code=kind, beat=beat, description=f"{kind} 移交"))
            act(rows[-1], office, "transfer", unit=other, comment="相邻辖区")
    return list(Finding.objects.filter(pk__in=[f.pk for f in rows]))


@pytest.mark.parametrize("role", ROLES)
def test_readable_q_and_can_read_agree(role, request, findings):
    user = request.getfixturevalue(role)
    in_sql = set(Finding.objects.filter(readable_q(user)).values_list("pk", flat=True))
    in_python = {f.pk for f in findings if can_read(user, f)}
    assert in_sql == in_python
    assert any(f.sensitive for f in findings if f.pk in in_sql) == (
        role in {"county_admin", "chief_a", "leader"}
    )


@pytest.mark.parametrize("role", ROLES)
def test_visible_to_and_may_see_agree(role, request, findings):
    user = request.getfixturevalue(role)
    in_sql = set(Finding.objects.visible_to(user).values_list("pk", flat=True))
    in_python = {f.pk for f in findings if may_see(user, f)}
    assert in_sql == in_python
    assert (len(in_sql) == len(findings)) == (role in {"office", "supervisor", "leader"})


@pytest.mark.parametrize(
    ("role", "reads"),
    [
        ("leader", {"a general", "a city", "a transfer", "b general", "b city", "b transfer"}),
        # The owner chain with the permission, and a clue the other county asks it to take over.
        ("county_admin", {"a general", "a transfer", "b transfer"}),
        ("chief_a", {"a general", "b transfer"}),  # owned by its station, or sent to it
        ("office", set()),  # campaign-wide, without the permission
        ("officer_a", set()),
        ("chief_b", set()),
        ("researcher", set()),
    ],
)
def test_who_reads_which_sensitive_clue(role, reads, request, findings, tree):
    """The rule spelled out by hand: a sensitive clue's content for the leadership, and for
    the permission in the owner chain or in the chain of the unit asked to take it over."""
    user = request.getfixturevalue(role)
    names = {}
    for f in findings:
        if not f.sensitive:
            continue
        side = "a" if f.unit_path.startswith(tree.county_x.path) else "b"
        where = (
            "transfer" if f.transfer_path else "city" if f.owner_unit == tree.city else "general"
        )
        names[f.pk] = f"{side} {where}"
    assert len(names) == 6
    assert {names[f.pk] for f in findings if f.pk in names and can_read(user, f)} == reads
    in_sql = Finding.objects.filter(readable_q(user), pk__in=names).values_list("pk", flat=True)
    assert {names[pk] for pk in in_sql} == reads


def test_a_sensitive_clue_sent_to_another_county_is_taken_over_by_its_permission_holder(
    raise_finding, act, office, tree, chief_a, officer_a, client_for
):
    """The receiving station's chief, who holds the sensitive-clue permission, sees, reads and
    accepts it; the beat officer there, without the permission, never learns it exists."""
    clue = raise_finding(None, kind_code="clue-gang", beat=tree.beat_b, description="收保护费")
    assert clue.sensitive
    act(clue, office, "transfer", unit=tree.s1, comment="相邻辖区")

    officer = client_for(officer_a)
    assert officer.get(f"/findings/{clue.pk}/").status_code == 404
    assert clue.number not in officer.get("/findings/?queue=incoming").content.decode()

    chief = client_for(chief_a)
    page = chief.get(f"/findings/{clue.pk}/").content.decode()
    assert "收保护费" in page
    assert clue.number in chief.get("/findings/?queue=incoming").content.decode()
    act(clue, chief_a, "accept", comment="接收")
    clue.refresh_from_db()
    assert clue.owner_unit == tree.s1
    assert clue.transfer_path == ""
