"""Daily reports: generated for a unit and a date range (by the evening run or on demand),
refreshed while a draft, published with the office's highlights — then frozen."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.roles import Role
from zoufang.core.scope import user_manages, user_scope
from zoufang.dashboard.access import may_steer
from zoufang.dashboard.models import DailyReport
from zoufang.dashboard.reportdata import changes, report_data

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit, User

MAX_DAYS = 31  # the longest range a report covers
PUBLISHERS = frozenset({Role.OFFICE, Role.WORKING_TEAM, Role.COUNTY_ADMIN})


def may_publish(user: User, report: DailyReport) -> bool:
    """The campaign office (and a county bureau, for its own reports) adds the highlights and
    publishes."""
    if user.is_superuser:
        return True
    return user.role in PUBLISHERS and user_manages(user, report.unit_path)


def check_range(campaign: Campaign, date_from: dt.date | None, date_to: dt.date | None) -> None:
    """A clear message for a missing, reversed, too long or out-of-campaign range."""
    if date_from is None or date_to is None:
        raise ValidationError({"date_from": _("Give the first and the last day of the report.")})
    if date_to < date_from:
        raise ValidationError({"date_to": _("The last day comes before the first: swap them.")})
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationError(
            {"date_to": _("A report covers at most %(n)s days.") % {"n": MAX_DAYS}}
        )
    if date_from < campaign.start_date or date_to > campaign.end_date:
        raise ValidationError(
            {
                "date_from": _(
                    "The campaign runs from %(start)s to %(end)s: choose days inside it."
                )
                % {"start": campaign.start_date, "end": campaign.end_date}
            }
        )
    if date_to > timezone.localdate():
        raise ValidationError({"date_to": _("The report cannot cover days still to come.")})


def _previous(unit: Unit, date_to: dt.date, exclude: int | None = None) -> DailyReport | None:
    qs = DailyReport.objects.filter(unit=unit, date_to__lt=date_to)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-date_to", "-state", "-pk").first()


def _fill(report: DailyReport) -> None:
    data = report_data(report.unit, report.campaign, report.date_from, report.date_to)
    previous = _previous(report.unit, report.date_to, exclude=report.pk)
    data["previous"] = (
        {"date_to": previous.date_to.isoformat(), "key": previous.data.get("key", {})}
        if previous
        else None
    )
    data["changes"] = changes(data, data["previous"])
    report.data = data
    report.generated_at = timezone.now()


def report_create(
    *,
    actor: User | None,
    unit: Unit,
    campaign: Campaign,
    date_from: dt.date | None,
    date_to: dt.date | None,
    scheduled: bool = False,
) -> DailyReport:
    """A draft report of `unit` (which the actor sees) over the range. The evening run
    (`actor` None, `scheduled`) makes at most one per unit and day: re-running returns it."""
    if actor is not None and not (may_steer(actor) and user_scope(actor).contains(unit.path)):
        raise PermissionDenied(_("You may not report on this unit."))
    check_range(campaign, date_from, date_to)
    if scheduled:
        existing = DailyReport.objects.filter(unit=unit, date_to=date_to, scheduled=True).first()
        if existing is not None:
            return existing
    report = DailyReport(
        campaign=campaign,
        unit=unit,
        unit_path=unit.path,
        date_from=date_from,
        date_to=date_to,
        scheduled=scheduled,
        created_by=actor,
    )
    _fill(report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # a concurrent evening run made it first
        return DailyReport.objects.get(unit=unit, date_to=date_to, scheduled=True)
    return report


def _editable(report: DailyReport, actor: User) -> DailyReport:
    locked = DailyReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_frozen:
        raise ValidationError(_("This report is published: its figures are frozen."))
    if not may_publish(actor, locked):
        raise PermissionDenied(_("Only the campaign office adds highlights and publishes."))
    return locked


@transaction.atomic
def report_refresh(*, report: DailyReport, actor: User) -> DailyReport:
    """Recompute a draft's figures from the records as they are now."""
    locked = _editable(report, actor)
    _fill(locked)
    locked.save(update_fields=["data", "generated_at"])
    return locked


@transaction.atomic
def report_publish(
    *, report: DailyReport, actor: User, highlights: str, publish: bool = True
) -> DailyReport:
    """Save the office's highlights and (with `publish`) freeze the report."""
    locked = _editable(report, actor)
    locked.highlights = (highlights or "").strip()[:4000]
    fields = ["highlights"]
    if publish:
        locked.state = DailyReport.State.PUBLISHED
        locked.published_at, locked.published_by = timezone.now(), actor
        fields += ["state", "published_at", "published_by"]
    locked.save(update_fields=fields)
    return locked


def evening_reports(*, day: dt.date | None = None) -> list[DailyReport]:
    """The evening run: a report of the day for the city and for each county bureau."""
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit

    day = day or timezone.localdate()
    campaign = Campaign.objects.current()
    if campaign is None or not (campaign.start_date <= day <= campaign.end_date):
        return []
    units = Unit.objects.filter(level__in=(Unit.Level.CITY, Unit.Level.COUNTY)).order_by("path")
    return [
        report_create(
            actor=None, unit=u, campaign=campaign, date_from=day, date_to=day, scheduled=True
        )
        for u in units
    ]
