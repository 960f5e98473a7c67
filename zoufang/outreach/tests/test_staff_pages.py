"""Staff pages: drive events and their totals, leaflet stock and audiences, satisfaction's
three figures, the moderation queue; each scoped (404 outside the jurisdiction)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from zoufang.findings.models import Finding
from zoufang.outreach import selectors
from zoufang.outreach.models import PublicSubmission
from zoufang.outreach.services.drives import event_create
from zoufang.outreach.services.leaflets import leaflet_issue
from zoufang.outreach.services.public import public_opinion, public_rate, submission_decide

pytestmark = pytest.mark.django_db


def _drive(campaign, code="anti-fraud"):
    return campaign.catalog.get(kind="drive", code=code)


def _event(campaign, actor, unit, people=120, leaflets=None, **kw):
    return event_create(
        actor=actor,
        campaign=campaign,
        drive=kw.pop("drive", _drive(campaign)),
        title="广场反诈宣传",
        date=timezone.localdate(),
        unit=unit,
        people_reached=people,
        leaflets=leaflets or {},
        **kw,
    )


def test_an_event_counts_for_its_unit_and_drive(client_for, campaign, tree, chief_a, office):
    leaflet = campaign.catalog.get(kind="leaflet", code="crime-prevention")
    _event(campaign, chief_a, tree.s1, people=120, leaflets={leaflet.pk: 300})
    _event(campaign, chief_a, tree.beat_a, people=30, drive=_drive(campaign, "civil-traffic"))
    r = client_for(office).get(reverse("outreach:index"))
    html = r.content.decode()
    assert r.status_code == 200
    totals = {t.drive.code: t for t in r.context["drives"]}
    assert (
        totals["anti-fraud"].events,
        totals["anti-fraud"].people,
        totals["anti-fraud"].leaflets,
    ) == (1, 120, 300)
    assert (totals["civil-traffic"].events, totals["civil-traffic"].people) == (1, 30)
    units = {u.code: t for u, t in r.context["unit_rows"]}
    assert units["411002"] == {"events": 2, "people": 150, "leaflets": 300}
    assert units["411003"] == {"events": 0, "people": 0, "leaflets": 0}
    assert "广场反诈宣传" not in html  # events are on the drive's page
    drive_page = client_for(office).get(reverse("outreach:drive", args=[_drive(campaign).pk]))
    assert "广场反诈宣传" in drive_page.content.decode()


def test_an_event_is_recorded_only_inside_the_actors_scope(campaign, tree, chief_b):
    with pytest.raises(PermissionDenied):
        _event(campaign, chief_b, tree.s1)


def test_a_future_event_or_a_foreign_leaflet_is_refused(campaign, tree, chief_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        event_create(
            actor=chief_a,
            campaign=campaign,
            drive=_drive(campaign),
            title="x",
            date=timezone.localdate() + dt.timedelta(days=2),
            unit=tree.s1,
            people_reached=1,
            leaflets={},
        )
    with pytest.raises(ValidationError):
        _event(campaign, chief_a, tree.s1, leaflets={_drive(campaign).pk: 5})


def test_officer_b_sees_neither_beat_as_events_nor_totals(
    client_for, campaign, tree, chief_a, officer_b
):
    _event(campaign, chief_a, tree.beat_a, people=77)
    c = client_for(officer_b)
    assert c.get(reverse("outreach:index") + f"?unit={tree.beat_a.pk}").status_code == 404
    assert c.get(reverse("outreach:leaflets") + f"?unit={tree.s1.pk}").status_code == 404
    assert c.get(reverse("outreach:satisfaction") + f"?unit={tree.county_x.pk}").status_code == 404
    page = c.get(reverse("outreach:drive", args=[_drive(campaign).pk]))
    assert page.status_code == 200
    assert "广场反诈宣传" not in page.content.decode()
    index = c.get(reverse("outreach:index"))
    assert [t.people for t in index.context["drives"]] == [0, 0, 0]


def test_the_event_form_records_an_event(client_for, campaign, tree, chief_a):
    leaflet = campaign.catalog.get(kind="leaflet", code="civility")
    r = client_for(chief_a).post(
        reverse("outreach:event_new"),
        {
            "drive": _drive(campaign).pk,
            "title": "进校园宣传",
            "date": timezone.localdate().isoformat(),
            "unit": tree.s1.pk,
            "people_reached": "45",
            f"leaflet_{leaflet.pk}": "60",
        },
    )
    assert r.status_code == 302
    totals = selectors.drive_unit_totals(campaign, [tree.s1], _drive(campaign))
    assert totals[tree.s1.pk] == {"events": 1, "people": 45, "leaflets": 60}


def test_stock_is_issued_minus_handed_out_on_visits_and_events(
    campaign, tree, office, chief_a, visited
):
    leaflet = visited.leaflet
    leaflet_issue(actor=office, campaign=campaign, item=leaflet, unit=tree.s1, quantity=20)
    _event(campaign, chief_a, tree.s1, leaflets={leaflet.pk: 10})
    row = selectors.leaflet_stock(campaign, [tree.s1])[0]
    # Visits: three households × 2 and a shop × 1 = 7; the event 10.
    assert (row.issued[leaflet.pk], row.by_visits[leaflet.pk], row.by_events[leaflet.pk]) == (
        20,
        7,
        10,
    )
    assert row.left(leaflet.pk) == 3
    assert not row.is_low(leaflet.pk)  # 3 of 20 left: 15 %, the warning is under 10 %
    _event(campaign, chief_a, tree.beat_a, leaflets={leaflet.pk: 2})
    row = selectors.leaflet_stock(campaign, [tree.s1])[0]
    assert row.left(leaflet.pk) == 1
    assert row.is_low(leaflet.pk)
    audience = selectors.leaflet_audience(campaign, tree.s1)[leaflet.pk]
    assert audience["household"] == 6
    assert sum(v for k, v in audience.items() if k.startswith("shop")) == 1


def test_a_chief_cannot_issue_stock_to_another_station(campaign, tree, chief_a):
    with pytest.raises(PermissionDenied):
        leaflet_issue(
            actor=chief_a,
            campaign=campaign,
            item=campaign.catalog.get(kind="leaflet", code="civility"),
            unit=tree.s2,
            quantity=10,
        )


def test_satisfaction_keeps_three_figures_apart(
    client_for, campaign, tree, office, officer_a, visited
):
    public_rate(
        beat=tree.beat_a, satisfaction="dissatisfied", safety="safe", topics_explained=False
    )
    public_rate(
        beat=tree.beat_a, satisfaction="dissatisfied", safety="unsafe", topics_explained=True
    )
    public_opinion(beat=tree.beat_a, text="回访测试")
    # The follow-up (回访) answer, as the findings workflow records it.
    Finding.objects.filter(pk=PublicSubmission.objects.get(kind="opinion").finding_id).update(
        followup_satisfied=True
    )
    row = selectors.satisfaction(campaign, [tree.s1])[0]
    assert (row.public.n, row.public.share) == (2, 0.0)
    assert (row.public_safety.share, row.public_topics.share) == (50.0, 50.0)
    assert (row.officers.n, row.officers.share) == (3, round(100 * 2 / 3, 1))
    assert (row.followup.n, row.followup.share) == (1, 100.0)
    other = selectors.satisfaction(campaign, [tree.s2])[0]
    assert (other.public.n, other.officers.n, other.followup.n) == (0, 0, 0)
    page = client_for(office).get(reverse("outreach:satisfaction") + f"?unit={tree.s1.pk}")
    assert page.status_code == 200
    assert [r.public.n for r in page.context["rows"] if r.unit == tree.beat_a] == [2]


def test_held_submissions_wait_for_the_office(
    client_for, campaign, tree, office, chief_a, officer_b
):
    public_opinion(beat=tree.beat_a, text="点击 http://spam.example 领红包")
    sub = PublicSubmission.objects.get()
    assert sub.state == "held"
    assert sub.finding_id is None
    assert client_for(chief_a).get(reverse("outreach:moderation")).status_code == 403
    assert (
        client_for(officer_b).get(reverse("outreach:submission", args=[sub.pk])).status_code == 404
    )
    queue = client_for(office).get(reverse("outreach:moderation"))
    assert "spam.example" in queue.content.decode()
    r = client_for(office).post(reverse("outreach:decide", args=[sub.pk]), {"action": "release"})
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.state == "accepted"
    assert Finding.objects.get(pk=sub.finding_id).beat == tree.beat_a


def test_a_discarded_submission_is_erased_and_forwards_nothing(campaign, tree, office):
    public_opinion(beat=tree.beat_a, text="www.spam.example 重复广告")
    sub = PublicSubmission.objects.get()
    submission_decide(submission=sub, actor=office, release=False)
    sub.refresh_from_db()
    assert (sub.state, sub.text, sub.finding_id) == ("discarded", "", None)
    assert not Finding.objects.exists()


def test_leaflets_handed_out_at_enterprises_count_by_their_category(
    client_for, campaign, tree, officer_a, chief_a, chief_b, visited
):
    """Issue 14: leaflets by audience and trade — an enterprise's category is its trade."""
    from zoufang.registry.models import Place
    from zoufang.registry.tests import factories as reg
    from zoufang.visits.models import VisitTask
    from zoufang.visits.services import catalog_caches_clear, tasks_generate
    from zoufang.visits.tests.factories import record

    school = reg.enterprise(tree.beat_a, name="文峰小学")
    Place.objects.filter(pk=school.place.pk).update(enterprise_category="hospital_school")
    tasks_generate(campaign=campaign, beat=tree.beat_a, actor=officer_a)
    catalog_caches_clear()
    record(VisitTask.objects.get(place=school.place), officer_a, leaflets={visited.leaflet.code: 4})
    catalog_caches_clear()

    audience = selectors.leaflet_audience(campaign, tree.s1)[visited.leaflet.pk]
    assert audience["enterprise:hospital_school"] == 4
    assert audience["household"] == 6
    page = client_for(chief_a).get(reverse("outreach:leaflets") + f"?unit={tree.s1.pk}")
    assert page.status_code == 200
    label = f"{Place.EnterpriseCategory.HOSPITAL_SCHOOL.label}"
    rows = dict(page.context["audience_rows"])
    assert [k for k in rows if k.endswith(label)], rows
    # Outside the jurisdiction: neither the station's page nor its count.
    other = client_for(chief_b)
    assert other.get(reverse("outreach:leaflets") + f"?unit={tree.s1.pk}").status_code == 404
    own = other.get(reverse("outreach:leaflets"))
    assert own.status_code == 200
    assert not [k for k in dict(own.context["audience_rows"]) if k.endswith(label)]
