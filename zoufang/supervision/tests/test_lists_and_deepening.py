"""Commendation and accountability lists (proposed with evidence, edited, confirmed, published
and then frozen) and key deepening (proposed in its phase from the registered components)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from zoufang.campaigns.models import Phase
from zoufang.core.tests.exports import export_table
from zoufang.supervision import scoring
from zoufang.supervision.models import DeepeningTarget, HonourEntry, HonourList
from zoufang.supervision.services import deepening, honours
from zoufang.supervision.tests.conftest import make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visited(tasks):
    """Station S1 (beat A): 3 of 5 tasks visited (60 %); S2 (beat B): 0 of 3."""
    return [make_visit(t) for t in tasks.a[:3]]


def test_accountability_entries_carry_their_evidence(campaign, office, tree, visited):
    lst = honours.honour_propose(campaign=campaign, kind="account", actor=office)
    entries = {e.unit.code: e for e in lst.entries.all()}
    # S2 has 0 % coverage, under the 60 % threshold; S1 with 60 % is not under it.
    assert set(entries) == {tree.s2.code}
    assert entries[tree.s2.code].figures == {"coverage": 0.0}
    assert "0.0" in entries[tree.s2.code].evidence


def test_commendation_names_the_best_station_and_the_people_who_visited(
    campaign, office, tree, people, visited
):
    lst = honours.honour_propose(campaign=campaign, kind="commend", actor=office)
    first = lst.entries.order_by("order").first()
    assert first.unit == tree.s1
    assert first.figures["rank"] == 1
    # make_visit writes no members, so nobody is credited a visit yet.
    assert not lst.entries.filter(personnel__isnull=False).exists()


def test_a_published_list_is_frozen(campaign, office, tree, tasks, visited, client_for):
    lst = honours.honour_propose(campaign=campaign, kind="account", actor=office)
    entry = lst.entries.get()
    c = client_for(office)
    c.post(
        f"/supervision/lists/{lst.pk}/act/",
        {
            "action": "edit",
            "entry": entry.pk,
            "reason": "走访进度严重滞后",
            "evidence": "覆盖率 0%",
        },
    )
    c.post(f"/supervision/lists/{lst.pk}/act/", {"action": "confirm"})
    c.post(f"/supervision/lists/{lst.pk}/act/", {"action": "publish"})
    lst.refresh_from_db()
    assert lst.state == "published"
    assert lst.published_at is not None
    # The figures behind it change; the published entry does not.
    for t in tasks.b:
        make_visit(t)
    entry.refresh_from_db()
    assert entry.reason == "走访进度严重滞后"
    assert entry.figures == {"coverage": 0.0}
    with pytest.raises(ValidationError):
        honours.honour_entry_edit(entry=entry, actor=office, reason="x", evidence="")
    with pytest.raises(ValidationError):
        honours.honour_entry_remove(entry=entry, actor=office)
    assert list(lst.events.values_list("action", flat=True)) == [
        "propose",
        "edit",
        "confirm",
        "publish",
    ]
    # A new proposal is a new version; the published one stays as it was.
    again = honours.honour_propose(campaign=campaign, kind="account", actor=office)
    assert again.version == 2
    assert HonourEntry.objects.filter(honour_list=lst).count() == 1


def test_publishing_needs_confirmation_and_entries(campaign, office):
    lst = HonourList.objects.create(campaign=campaign, kind="account", title="t", created_by=office)
    with pytest.raises(ValidationError):
        honours.honour_publish(honour_list=lst, actor=office)
    with pytest.raises(ValidationError):
        honours.honour_confirm(honour_list=lst, actor=office)


def test_units_see_published_lists_and_their_own_entries_only(
    campaign, office, tree, visited, county_admin, chief_b, client_for
):
    lst = honours.honour_propose(campaign=campaign, kind="account", actor=office)
    assert client_for(chief_b).get(f"/supervision/lists/{lst.pk}/").status_code == 404
    honours.honour_confirm(honour_list=lst, actor=office)
    honours.honour_publish(honour_list=lst, actor=office)
    r = client_for(chief_b).get(f"/supervision/lists/{lst.pk}/")
    assert [e.unit.code for e in r.context["entries"]] == [tree.s2.code]
    assert (
        list(client_for(county_admin).get(f"/supervision/lists/{lst.pk}/").context["entries"]) == []
    )
    export = client_for(county_admin).get(f"/supervision/lists/{lst.pk}/", {"export": "xlsx"})
    assert len(export_table(export)) == 1  # headers only
    printable = client_for(office).get(f"/supervision/lists/{lst.pk}/", {"print": "1"})
    assert 'id="print-sheet"' in printable.content.decode()
    assert tree.s2.name in printable.content.decode()
    assert (
        client_for(county_admin)
        .post("/supervision/lists/propose/", {"kind": "commend"})
        .status_code
        == 403
    )


def test_a_registered_component_feeds_the_accountability_list(campaign, office, tree, visited):
    flags = {tree.s1.pk: 20.0}
    scoring.register_component(
        "patrol_flags",
        "confirmed flags",
        lambda c, units: {u.pk: flags.get(u.pk, 100.0) for u in units},
        0,
        weak_below=80,
    )
    try:
        lst = honours.honour_propose(campaign=campaign, kind="account", actor=office)
        s1 = lst.entries.get(unit=tree.s1)
        assert s1.figures == {"patrol_flags": 20.0}
        assert "confirmed flags" in s1.reason
    finally:
        scoring.unregister_component("patrol_flags")


def _enter_deepening(campaign):
    phase = campaign.phases.get(kind=Phase.Kind.DEEPENING)
    today = timezone.localdate()
    shift = (phase.start_date - today).days
    campaign.phases.update(
        start_date=models_shift("start_date", -shift), end_date=models_shift("end_date", -shift)
    )


def models_shift(field, days):
    from django.db.models import F

    return F(field) + dt.timedelta(days=days)


def test_deepening_proposals_wait_for_their_phase(campaign, office, tree, visited, client_for):
    with translation.override("en"), pytest.raises(ValidationError, match="key-deepening phase"):
        deepening.deepening_propose(campaign=campaign, actor=office)
    _enter_deepening(campaign)
    r = client_for(office).post("/supervision/deepening/propose/")
    assert r.status_code == 302
    target = DeepeningTarget.objects.get()
    assert target.unit == tree.s2
    assert [r["key"] for r in target.reasons] == ["coverage"]
    # Proposed again: the unit already targeted is not proposed twice.
    assert deepening.deepening_propose(campaign=campaign, actor=office) == []


def test_a_target_is_confirmed_followed_and_lifted(
    campaign, office, supervisor, tree, visited, chief_b, chief_a, client_for
):
    target = deepening.deepening_propose(campaign=campaign, actor=office, any_phase=True)[0]
    c = client_for(office)
    c.post(
        f"/supervision/deepening/{target.pk}/",
        {"action": "confirm", "plan": "", "leader": "", "supervisor": ""},
    )
    target.refresh_from_db()
    assert target.state == "proposed"
    c.post(
        f"/supervision/deepening/{target.pk}/",
        {
            "action": "confirm",
            "plan": "每周两次入户补访",
            "leader": "刘副局长",
            "supervisor": supervisor.pk,
        },
    )
    target.refresh_from_db()
    assert target.state == "confirmed"
    assert target.supervisor == supervisor
    # The station itself records progress; another station cannot even see the target.
    assert (
        client_for(chief_b)
        .post(f"/supervision/deepening/{target.pk}/", {"action": "progress", "note": "补访 30 户"})
        .status_code
        == 302
    )
    assert (
        client_for(chief_a)
        .post(f"/supervision/deepening/{target.pk}/", {"action": "progress", "note": "x"})
        .status_code
        == 404
    )
    assert (
        client_for(chief_b)
        .post(f"/supervision/deepening/{target.pk}/", {"action": "lift", "note": "done"})
        .status_code
        == 403
    )
    c.post(f"/supervision/deepening/{target.pk}/", {"action": "lift", "note": "覆盖率达 95%"})
    target.refresh_from_db()
    assert target.state == "lifted"
    assert list(target.progress.values_list("note", flat=True))[-2:] == [
        "补访 30 户",
        "覆盖率达 95%",
    ]
    board = client_for(chief_a).get("/supervision/deepening/")
    assert all(not items for _label, items in board.context["groups"])
