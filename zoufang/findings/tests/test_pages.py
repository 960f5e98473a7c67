"""The pages: ledger and queues, export, my findings, raise, the finding page, figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zoufang.core.tests.exports import export_table
from zoufang.findings.models import Finding, State
from zoufang.findings.selectors import LedgerFilters, finding_list, window


@pytest.fixture
def two(raise_finding, officer_a, officer_b, tree):
    a = raise_finding(
        officer_a,
        description="文峰社区邻里纠纷",
        resident_name="王五",
        resident_phone="13912345678",
    )
    b = raise_finding(
        officer_b, beat=tree.beat_b, kind_code="hazard-fire", description="丁庄村仓库消防隐患"
    )
    return a, b


def test_the_ledger_lists_only_the_users_subtree(two, client_for, chief_a, office):
    a, b = two
    body = client_for(chief_a).get(reverse("findings:ledger")).content.decode()
    assert a.number in body
    assert b.number not in body
    body = client_for(office).get(reverse("findings:ledger")).content.decode()
    assert a.number in body
    assert b.number in body


def test_ledger_filters(two, client_for, office):
    a, b = two
    c = client_for(office)
    assert b.number in c.get(reverse("findings:ledger"), {"kind": "hazard"}).content.decode()
    assert a.number not in c.get(reverse("findings:ledger"), {"kind": "hazard"}).content.decode()
    assert a.number in c.get(reverse("findings:ledger"), {"q": "邻里"}).content.decode()
    assert a.number not in c.get(reverse("findings:ledger"), {"state": "closed"}).content.decode()
    assert (
        a.number in c.get(reverse("findings:ledger"), {"unit": a.beat.parent_id}).content.decode()
    )


def test_the_overdue_queue(two, client_for, office):
    a, b = two
    Finding.objects.filter(pk=a.pk).update(is_overdue=True)
    body = client_for(office).get(reverse("findings:ledger"), {"queue": "overdue"}).content.decode()
    assert a.number in body
    assert b.number not in body


def test_a_unit_filter_outside_the_scope_is_404(two, client_for, chief_b, tree):
    r = client_for(chief_b).get(reverse("findings:ledger"), {"unit": tree.s1.pk})
    assert r.status_code == 404


def test_the_export_masks_phones_for_those_who_do_not_manage(two, client_for, officer_a, chief_a):
    a, _ = two

    def rows(user):
        r = client_for(user).get(reverse("findings:ledger"), {"export": "xlsx"})
        assert r.status_code == 200
        return export_table(r)

    chief_rows = rows(chief_a)
    officer_rows = rows(officer_a)
    assert len(chief_rows) == 2
    assert chief_rows[1][0] == a.number
    assert "13912345678" in chief_rows[1]
    assert "139****5678" in officer_rows[1]


def test_the_detail_page_shows_the_timeline(two, client_for, chief_a, act):
    a, _ = two
    act(a, chief_a, "triage", comment="情况属实")
    body = client_for(chief_a).get(reverse("findings:detail", args=[a.pk])).content.decode()
    assert "情况属实" in body
    assert 'data-action="triage"' in body


@pytest.mark.parametrize("name", ["findings:detail", "findings:act"])
def test_officer_b_gets_404_on_a_finding_of_beat_a(two, client_for, officer_b, name):
    a, _ = two
    c = client_for(officer_b)
    r = (
        c.post(reverse(name, args=[a.pk]))
        if name.endswith("act")
        else c.get(reverse(name, args=[a.pk]))
    )
    assert r.status_code == 404


def test_acting_through_the_page(two, client_for, chief_a):
    a, _ = two
    r = client_for(chief_a).post(
        reverse("findings:act", args=[a.pk]),
        {
            "prefix": "triage",
            "triage-action": "triage",
            "triage-version": a.version,
            "triage-grade": "serious",
            "triage-comment": "升级为较大",
        },
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.state == State.TRIAGED
    assert a.grade == "serious"


def test_a_stale_page_is_told_the_finding_changed(two, client_for, chief_a, county_admin):
    a, _ = two
    stale = a.version
    client_for(county_admin).post(
        reverse("findings:act", args=[a.pk]),
        {"prefix": "triage", "triage-action": "triage", "triage-version": stale},
    )
    r = client_for(chief_a).post(
        reverse("findings:act", args=[a.pk]),
        {
            "prefix": "triage",
            "triage-action": "triage",
            "triage-version": stale,
            "triage-grade": "major",
        },
        follow=True,
    )
    assert "changed by someone else" in r.content.decode() or "其他人修改" in r.content.decode()
    a.refresh_from_db()
    assert a.grade == "general"


def test_raising_through_the_page_shows_duplicates_first(two, client_for, officer_a, tree):
    a, _ = two
    c = client_for(officer_a)
    data = {"kind": "dispute-neighbour", "beat": tree.beat_a.pk, "description": "文峰社区邻里纠纷"}
    r = c.post(reverse("findings:create"), data)
    assert r.status_code == 200
    assert a.number in r.content.decode()
    assert "data-duplicates" in r.content.decode()
    assert Finding.objects.count() == 2
    r = c.post(reverse("findings:create"), {**data, "link_to": a.pk})
    assert r.status_code == 302
    assert Finding.objects.count() == 2
    r = c.post(reverse("findings:create"), {**data, "confirm": "1"})
    assert r.status_code == 302
    assert Finding.objects.count() == 3


def test_a_double_submit_of_the_form_makes_one_finding(catalog, client_for, officer_a, tree):
    import uuid

    data = {
        "kind": "opinion",
        "beat": tree.beat_a.pk,
        "description": "建议增设路灯",
        "client_uuid": str(uuid.uuid4()),
    }
    c = client_for(officer_a)
    assert c.post(reverse("findings:create"), data).status_code == 302
    assert c.post(reverse("findings:create"), {**data, "confirm": "1"}).status_code == 302
    assert Finding.objects.count() == 1


def test_raising_in_another_beat_is_refused(catalog, client_for, officer_a, tree):
    r = client_for(officer_a).post(
        reverse("findings:create"), {"kind": "opinion", "beat": tree.beat_b.pk, "description": "x"}
    )
    assert r.status_code == 200
    assert not Finding.objects.exists()


def test_my_findings_shows_what_is_assigned_to_me(two, client_for, officer_a, chief_a, act):
    a, _ = two
    act(a, chief_a, "triage")
    act(a, chief_a, "assign", assignee=officer_a)
    body = client_for(officer_a).get(reverse("findings:mine")).content.decode()
    assert a.number in body
    assert 'data-count="assigned">1<' in body


def test_the_figures_page_counts_per_unit(two, client_for, office, raise_finding, tree):
    raise_finding(None, beat=tree.beat_a2, kind_code="hazard-fire", description="七里店仓库")
    r = client_for(office).get(reverse("findings:stats"))
    assert r.status_code == 200
    raised = {row.unit.code: row.raised for row in r.context["rows"]}
    # Two findings in 魏都 (beats A and A2), one in 建安 (beat B).
    assert raised == {"411002": 2, "411003": 1}


def test_the_ledger_page_without_count_and_few_queries(two, chief_a, django_assert_max_num_queries):
    qs = finding_list(chief_a, LedgerFilters())
    with django_assert_max_num_queries(2):
        page = window(qs, 1)
        [(f.kind.name, f.beat.name, f.owner_unit.name) for f in page]
    assert len(page) == 1


def test_timeline_reads_in_two_queries(two, chief_a, act, django_assert_num_queries):
    from zoufang.findings.selectors import finding_timeline

    a, _ = two
    act(a, chief_a, "triage")
    act(a, chief_a, "assign", assignee=chief_a)
    with django_assert_num_queries(2):
        rows = finding_timeline(a)
        [(t.actor.display_name if t.actor else "", list(t.attachments.all())) for t in rows]
