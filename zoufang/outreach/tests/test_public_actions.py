"""The public page's four actions: what each stores and where it lands (findings ledger,
the beat team's today list, the beat's satisfaction), through the existing services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from zoufang.findings.models import Finding
from zoufang.outreach.models import PublicSubmission, SubmissionState
from zoufang.outreach.sheets import beat_token
from zoufang.visits.models import VisitTask
from zoufang.visits.selectors import today_tasks

pytestmark = pytest.mark.django_db


def _url(name, beat):
    return reverse(f"public:{name}", args=[beat_token(beat)])


def test_the_beat_page_offers_the_four_actions(client, tree, campaign):
    r = client.get(_url("beat", tree.beat_a))
    assert r.status_code == 200
    for name in ("rate", "suggest", "visit", "clue"):
        assert _url(name, tree.beat_a) in r.content.decode()


def test_a_tampered_beat_code_leads_to_the_city_page(client, tree, campaign):
    token = beat_token(tree.beat_a)
    other = tree.beat_b.code + token[len(tree.beat_a.code) :]  # another beat, the old check
    for bad in (other, "411002001001-zzzzzz", "nonsense", "411002001001"):
        r = client.get(reverse("public:beat", args=[bad]))
        assert r.status_code == 302
        assert r["Location"].endswith("/p/?lost=1")
    assert client.get("/p/?lost=1").status_code == 200


def test_a_suggestion_becomes_a_public_finding_routed_in_its_beat(client, send, tree, campaign):
    r = send(client, _url("suggest", tree.beat_a), {"text": "路口晚上太暗,希望加装路灯"})
    assert r.status_code == 200
    finding = Finding.objects.get(description="路口晚上太暗,希望加装路灯")
    assert finding.source == "public"
    assert finding.beat == tree.beat_a
    assert finding.kind.code == "opinion"
    # A general finding is owned by the beat's station (the default grade rule).
    assert finding.owner_unit == tree.s1
    sub = PublicSubmission.objects.get()
    assert sub.finding_id == finding.pk
    assert sub.reference in r.content.decode()


def test_a_suggestion_the_ledger_refuses_is_held_for_the_office_not_refused(
    client, send, client_for, tree, campaign, office
):
    """Issue 14's phone test: a resident's suggestion was answered 400 with the ledger's
    "unknown finding kind: opinion" when the catalog lacked the kind. Now the resident gets a
    reference as usual, the office finds it held, and releases it once the kind is back."""
    from zoufang.findings.models import FindingKind

    FindingKind.objects.filter(code="opinion").update(is_active=False)
    r = send(client, _url("suggest", tree.beat_a), {"text": "希望小区门口装个监控"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "opinion" not in page
    sub = PublicSubmission.objects.get()
    assert sub.reference in page
    assert (sub.state, sub.hold_reason, sub.finding_id) == ("held", "routing", None)
    assert not Finding.objects.exists()
    queue = client_for(office).get(reverse("outreach:moderation")).content.decode()
    assert "希望小区门口装个监控" in queue
    # The office reads why it waits, in its language.
    assert "问题线索台账未接收" in queue

    FindingKind.objects.filter(code="opinion").update(is_active=True)
    decided = client_for(office).post(
        reverse("outreach:decide", args=[sub.pk]), {"action": "release"}
    )
    assert decided.status_code == 302
    sub.refresh_from_db()
    assert sub.state == "accepted"
    finding = Finding.objects.get(pk=sub.finding_id)
    assert (finding.beat, finding.source) == (tree.beat_a, "public")


def test_a_visit_request_lands_on_the_beat_teams_today_list(client, send, tree, people, campaign):
    today = timezone.localdate()
    r = send(
        client,
        _url("visit", tree.beat_a),
        {
            "address": "文峰路8号2单元101",
            "date": today.isoformat(),
            "start": "19:00",
            "end": "20:00",
            "phone": "13912345678",
        },
    )
    assert r.status_code == 200
    task = VisitTask.objects.get(address="文峰路8号2单元101")
    assert task.team == people.team_a
    assert task.appointment_date == today
    assert task in today_tasks(people.team_a)
    assert "13912345678" not in r.content.decode()
    assert "13912345678" not in task.appointment_note  # masked on the team's list


def test_a_visit_request_for_a_later_day_waits_for_that_day(client, send, tree, people, campaign):
    later = timezone.localdate() + dt.timedelta(days=3)
    send(
        client,
        _url("visit", tree.beat_a),
        {"address": "文峰路9号", "date": later.isoformat(), "phone": "13912345678"},
    )
    task = VisitTask.objects.get(address="文峰路9号")
    assert task not in today_tasks(people.team_a)
    assert task in today_tasks(people.team_a, day=later)


def test_a_visit_request_in_the_past_is_refused_and_nothing_stored(
    client, send, tree, people, campaign
):
    past = timezone.localdate() - dt.timedelta(days=1)
    r = send(
        client,
        _url("visit", tree.beat_a),
        {"address": "文峰路9号", "date": past.isoformat(), "phone": "13912345678"},
    )
    assert r.status_code == 400
    assert not PublicSubmission.objects.exists()
    assert not VisitTask.objects.filter(address="文峰路9号").exists()


def test_a_rating_answers_the_same_whether_or_not_the_address_exists(client, send, tree, campaign):
    data = {"satisfaction": "satisfied", "safety": "safe", "topics": "yes"}
    a = send(client, _url("rate", tree.beat_a), {**data, "address": "文峰路1号"})
    b = send(client, _url("rate", tree.beat_a), {**data, "address": ""})
    assert a.status_code == b.status_code == 200
    strip = lambda r: r.content.decode().split("data-reference>")[0]  # noqa: E731
    assert strip(a) == strip(b)
    assert (
        PublicSubmission.objects.filter(kind="rating", state=SubmissionState.ACCEPTED).count() == 2
    )
    assert not PublicSubmission.objects.exclude(address="").exists()  # the address is not kept


def test_an_anonymous_clue_keeps_no_name_or_phone(client, send, tree, campaign):
    r = send(
        client,
        _url("clue", tree.beat_a),
        {
            "clue_kind": "fraud",
            "text": "有人冒充客服让老人转账",
            "anonymous": "on",
            "name": "王五",
            "phone": "13912345678",
        },
    )
    assert r.status_code == 200
    sub = PublicSubmission.objects.get()
    assert (sub.contact_name, sub.contact_phone_sealed, sub.contact_phone_masked) == ("", "", "")
    finding = Finding.objects.get(pk=sub.finding_id)
    assert finding.kind.code == "clue-fraud"
    assert finding.reporter_phone == ""
    assert "王五" not in finding.reporter_name


def test_a_named_clue_keeps_the_phone_sealed_and_gives_it_to_the_finding(
    client, send, tree, campaign
):
    send(
        client,
        _url("clue", tree.beat_a),
        {"clue_kind": "vice", "text": "某楼夜里聚众赌博", "name": "李四", "phone": "13912345678"},
    )
    sub = PublicSubmission.objects.get()
    assert "13912345678" not in sub.contact_phone_sealed
    assert sub.contact_phone_masked == "139****5678"
    assert Finding.objects.get(pk=sub.finding_id).reporter_phone == "13912345678"
