"""Creating campaigns from the template file and answering "which campaign, which phase"."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction

from zoufang.campaigns.models import Campaign, CatalogItem, Phase, VisitForm
from zoufang.org.models import Department

TEMPLATE_PATH = Path(__file__).with_name("default_template.toml")


def read_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@transaction.atomic
def departments_sync(*, template: dict[str, Any] | None = None) -> list[Department]:
    """Create the template's departments that are missing; existing ones keep their edits."""
    template = template or read_template()
    departments = []
    for order, row in enumerate(template["departments"], start=1):
        dept, _ = Department.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "sort_order": order}
        )
        departments.append(dept)
    return departments


@transaction.atomic
def campaign_create_from_template(
    *,
    start_date: dt.date,
    code: str | None = None,
    name: str | None = None,
    make_current: bool = True,
    template: dict[str, Any] | None = None,
) -> Campaign:
    """Create a campaign with its phases and catalogs from the template (safe to re-run: an
    existing campaign with the same code is returned unchanged)."""
    template = template or read_template()
    meta = template["campaign"]
    code = code or meta["code"]
    existing = Campaign.objects.filter(code=code).first()
    if existing:
        return existing
    total_days = sum(p["days"] for p in template["phases"])
    if make_current:
        Campaign.objects.filter(is_current=True).update(is_current=False)
    campaign = Campaign.objects.create(
        code=code,
        name=name or meta["name"],
        start_date=start_date,
        end_date=start_date + dt.timedelta(days=total_days - 1),
        is_current=make_current,
        principle=meta.get("principle", ""),
        description=meta.get("description", ""),
    )
    day = start_date
    for order, row in enumerate(template["phases"], start=1):
        end = day + dt.timedelta(days=row["days"] - 1)
        Phase.objects.create(
            campaign=campaign,
            kind=row["kind"],
            name=row["name"],
            start_date=day,
            end_date=end,
            order=order,
            tasks=row.get("tasks", ""),
        )
        day = end + dt.timedelta(days=1)
    campaign.research_departments.set(departments_sync(template=template))
    CatalogItem.objects.bulk_create(
        CatalogItem(
            campaign=campaign,
            kind=group["kind"],
            code=item["code"],
            name=item["name"],
            description=item.get("description", ""),
            order=order,
            data=item.get("data", {}),
        )
        for group in template["catalog"]
        for order, item in enumerate(group["items"], start=1)
    )
    for form in template["forms"]:
        VisitForm.objects.create(
            campaign=campaign,
            code=form["code"],
            name=form["name"],
            applies_to=form.get("applies_to", []),
            schema={"sections": form["sections"]},
        )
    drives_date(campaign)
    return campaign


def drives_date(campaign: Campaign) -> None:
    """Give each themed drive (集中宣传) a date inside the campaign's visiting phase.

    A drive tied to a day of the year (`data.day`, "06-26" for the anti-drug day) keeps it
    when that day falls in the phase (the seed's campaign starts on 21 June: 6·26 is its first
    day of 集中走访). Otherwise — a campaign run in another month — the drive is held on a day
    of the phase under its `off_season_name`, and the phase's tasks name it so; no page cites
    6·26 as if it were now. Drives without a fixed day are spread over the phase."""
    phase = campaign.phases.filter(kind=Phase.Kind.VISITING).first()
    if phase is None:
        return
    drives = list(campaign.catalog.filter(kind=CatalogItem.Kind.DRIVE).order_by("order"))
    span = (phase.end_date - phase.start_date).days + 1
    for i, drive in enumerate(drives):
        day = _fixed_day(drive.data.get("day"), phase.start_date.year)
        if day is None or not phase.start_date <= day <= phase.end_date:
            day = phase.start_date + dt.timedelta(days=(i * span) // max(len(drives), 1) + 1)
            day = min(day, phase.end_date)
            renamed = drive.data.get("off_season_name")
            if renamed and renamed != drive.name:
                phase.tasks = phase.tasks.replace(drive.name, renamed)
                drive.name = renamed
        drive.data = {**drive.data, "date": day.isoformat()}
        drive.save(update_fields=["name", "data"])
    phase.save(update_fields=["tasks"])


def _fixed_day(text: str | None, year: int) -> dt.date | None:
    if not text:
        return None
    month, day = (int(x) for x in text.split("-"))
    return dt.date(year, month, day)


def current_campaign() -> Campaign | None:
    return Campaign.objects.current()


def request_campaign(request: Any) -> Campaign | None:
    """The current campaign, looked up once per request (header, page and phase share it; its
    `current_phase` and `phase_list` are read on first use)."""
    if not hasattr(request, "_zoufang_campaign"):
        request._zoufang_campaign = Campaign.objects.current()
    return request._zoufang_campaign
