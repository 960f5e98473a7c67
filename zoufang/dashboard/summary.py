"""The campaign's closing summary (总结) for the city and each county bureau: what was covered,
found, resolved and learned, with the published commendation lists of supervision. Made by
the evening run on the campaign's last day, or on demand by any steering login for a unit in
scope (while the campaign runs it says "so far"); the office writes the lessons learned and
publishes it once the campaign has ended — then its figures are frozen, like a daily report's.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import CatalogItem
from zoufang.core.scope import user_scope
from zoufang.dashboard.access import may_steer
from zoufang.dashboard.models import ClosingSummary
from zoufang.dashboard.reports import PUBLISHERS
from zoufang.findings import figures as ffig
from zoufang.org.models import Unit
from zoufang.visits import figures as vfig
from zoufang.visits.models import TaskState, VisitKind

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

COMMEND_LIMIT = 500  # entries listed (a city's commendation lists are far shorter)


def _commendations(unit: Unit, campaign: Campaign) -> list[dict[str, Any]]:
    """The entries of the campaign's published commendation lists that lie in the subtree."""
    from zoufang.supervision.models import HonourEntry, HonourList

    entries = (
        HonourEntry.objects.in_subtree(unit.path)
        .filter(
            honour_list__campaign=campaign,
            honour_list__kind=HonourList.Kind.COMMEND,
            honour_list__state=HonourList.State.PUBLISHED,
        )
        .select_related("honour_list")
        .order_by("honour_list__published_at", "honour_list_id", "order", "pk")
    )
    return [
        {
            "list": e.honour_list.title,
            "name": e.name,
            "unit": e.unit_name,
            "reason": e.reason,
        }
        for e in entries[:COMMEND_LIMIT]
    ]


def summary_data(unit: Unit, campaign: Campaign, *, today: dt.date | None = None) -> dict:
    """Every figure of the summary of `unit` (JSON-ready), over the campaign up to its end or
    to today, whichever comes first."""
    from zoufang.dashboard.reportdata import _ranking
    from zoufang.dashboard.selectors import _daily, _kinds, campaign_plan

    today = today or timezone.localdate()
    until = min(today, campaign.end_date)
    path, cid = unit.path, campaign.pk
    tasks = vfig.task_counts(path, cid)
    days = vfig.visit_days(path, cid, until=until)
    findings = ffig.finding_counts(path, cid)
    plan = campaign_plan(campaign)
    daily = _daily(days, plan, tasks.total(), campaign.start_date, until)
    n_topics = CatalogItem.objects.filter(
        campaign=campaign, kind=CatalogItem.Kind.TOPIC, is_active=True
    ).count()
    compliance = vfig.compliance_counts(path, cid, n_topics=n_topics)
    return {
        "unit": {"name": unit.name, "code": unit.code, "id": unit.pk},
        "campaign": campaign.name,
        "date_from": campaign.start_date.isoformat(),
        "date_to": until.isoformat(),
        "ended": today > campaign.end_date,
        "covered": {
            "tasks": tasks.total(),
            "visited": tasks.total(state=TaskState.VISITED),
            "coverage": tasks.rate(),
            "visits": sum(days.values()),
            "completed": sum(n for (_d, _k, o), n in days.items() if o == "visited"),
            "by_kind": [
                {
                    "label": str(k.label),
                    "tasks": tasks.total(k.value),
                    "visited": tasks.total(k.value, TaskState.VISITED),
                    "coverage": tasks.rate(k.value),
                }
                for k in VisitKind
            ],
            "compliance": compliance.rate(compliance.compliant),
            "leaflets": compliance.leaflets,
        },
        "found": {
            "total": findings.total,
            "by_kind": [[label, n] for _c, label, n in _kinds(findings)],
        },
        "resolved": {
            "closed": findings.closed,
            "rate": findings.rate_closed(),
            "open": findings.open,
            "overdue": findings.overdue,
            "supervised": findings.supervised,
            "median_close_hours": ffig.median_close_hours(path, cid),
        },
        "daily": [
            {
                "day": r["day"].isoformat(),
                "visits": r["visits"],
                "coverage": r["coverage"],
                "plan": r["plan"],
            }
            for r in daily
        ],
        "ranking": _ranking(unit, campaign, campaign.start_date, until),
        "commendations": _commendations(unit, campaign),
    }


def may_publish(user: User, summary: ClosingSummary) -> bool:
    from zoufang.core.scope import user_manages

    if user.is_superuser:
        return True
    return user.role in PUBLISHERS and user_manages(user, summary.unit_path)


def summary_generate(
    *, actor: User | None, unit: Unit, campaign: Campaign, today: dt.date | None = None
) -> ClosingSummary:
    """The summary of `unit` (made, or recomputed while a draft; a published one is returned
    as it is). `actor` None: the evening run."""
    if actor is not None and not (may_steer(actor) and user_scope(actor).contains(unit.path)):
        raise PermissionDenied(_("You may not summarise this unit."))
    today = today or timezone.localdate()
    if today < campaign.start_date:
        raise ValidationError(_("The campaign has not started yet."))
    existing = ClosingSummary.objects.filter(campaign=campaign, unit=unit).first()
    if existing is not None and existing.is_frozen:
        return existing
    with transaction.atomic():
        summary = existing or ClosingSummary(
            campaign=campaign, unit=unit, unit_path=unit.path, created_by=actor
        )
        summary.data = summary_data(unit, campaign, today=today)
        summary.generated_at = timezone.now()
        try:
            with transaction.atomic():
                summary.save()
        except IntegrityError:  # made by a concurrent run a moment ago
            return ClosingSummary.objects.get(campaign=campaign, unit=unit)
    return summary


@transaction.atomic
def summary_publish(
    *, summary: ClosingSummary, actor: User, lessons: str, publish: bool = True
) -> ClosingSummary:
    """Save the lessons learned and (with `publish`, once the campaign has ended) freeze it."""
    locked = ClosingSummary.objects.select_for_update().get(pk=summary.pk)
    if locked.is_frozen:
        raise ValidationError(_("This summary is published: its figures are frozen."))
    if not may_publish(actor, locked):
        raise PermissionDenied(_("Only the campaign office writes and publishes the summary."))
    locked.lessons = (lessons or "").strip()[:8000]
    fields = ["lessons"]
    if publish:
        if timezone.localdate() <= locked.campaign.end_date:
            raise ValidationError(
                _("The summary is published once the campaign has ended (%(end)s).")
                % {"end": locked.campaign.end_date}
            )
        locked.data = summary_data(locked.unit, locked.campaign)
        locked.generated_at = timezone.now()
        locked.state = ClosingSummary.State.PUBLISHED
        locked.published_at, locked.published_by = timezone.now(), actor
        fields += ["data", "generated_at", "state", "published_at", "published_by"]
    locked.save(update_fields=fields)
    return locked


def closing_summaries(*, day: dt.date | None = None) -> list[ClosingSummary]:
    """The evening run on the campaign's last day: the city's and each county bureau's."""
    from zoufang.campaigns.models import Campaign

    day = day or timezone.localdate()
    campaign = Campaign.objects.current()
    if campaign is None or day != campaign.end_date:
        return []
    units = Unit.objects.filter(level__in=(Unit.Level.CITY, Unit.Level.COUNTY)).order_by("path")
    return [summary_generate(actor=None, unit=u, campaign=campaign, today=day) for u in units]
