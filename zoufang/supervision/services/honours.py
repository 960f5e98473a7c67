"""Commendation and accountability lists (表彰奖励 / 倒查问责): proposed from the figures, edited,
confirmed and published by the office. Entries copy their figures when proposed; a published
list is frozen (no edit, no recomputation) and every step is kept as an event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.org.models import Personnel, Unit
from zoufang.supervision.models import HonourEntry, HonourEvent, HonourList
from zoufang.supervision.services.config import weights_for
from zoufang.supervision.services.scores import score_units
from zoufang.supervision.services.weakness import evidence_text, reason_label, unit_figures
from zoufang.visits.models import Outcome, VisitMember

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

TOP_UNITS = 5
TOP_PEOPLE = 10


def _stations() -> list[Unit]:
    return list(Unit.objects.filter(level=Unit.Level.STATION).order_by("path"))


def _commend_entries(campaign: Campaign) -> list[HonourEntry]:
    entries = []
    rows = [
        r for r in score_units(campaign, _stations(), weights_for(campaign)) if r.score is not None
    ]
    for r in rows[:TOP_UNITS]:
        entries.append(
            HonourEntry(
                unit=r.unit,
                unit_path=r.unit.path,
                name=r.unit.name,
                unit_name=r.unit.parent.name if r.unit.parent_id else "",
                reason=_("Score %(score)s, rank %(rank)s among the stations")
                % {"score": r.score, "rank": r.rank},
                evidence="; ".join(f"{reason_label(k)} {v}" for k, v in r.values.items()),
                figures={"score": r.score, "rank": r.rank, **r.values},
            )
        )
    top = (
        VisitMember.objects.filter(campaign=campaign, outcome=Outcome.VISITED)
        .values("personnel_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "personnel_id")[:TOP_PEOPLE]
    )
    people = Personnel.objects.in_bulk([t["personnel_id"] for t in top])
    for t in top:
        p = people[t["personnel_id"]]
        work = p.work_unit
        entries.append(
            HonourEntry(
                personnel=p,
                unit=work,
                unit_path=p.unit_path,
                name=p.name,
                unit_name=work.name,
                reason=_("%(n)s households, shops and enterprises visited") % {"n": t["n"]},
                evidence=_("visits credited: %(n)s") % {"n": t["n"]},
                figures={"visited": t["n"]},
            )
        )
    return entries


def _account_entries(campaign: Campaign) -> list[HonourEntry]:
    figures = [f for f in unit_figures(campaign, _stations()) if f.reasons]
    figures.sort(key=lambda f: -f.weakness)
    return [
        HonourEntry(
            unit=f.unit,
            unit_path=f.unit.path,
            name=f.unit.name,
            unit_name=f.unit.parent.name if f.unit.parent_id else "",
            reason="、".join(r["label"] for r in f.reasons),
            evidence=evidence_text(f.reasons),
            figures={r["key"]: r["value"] for r in f.reasons},
        )
        for f in figures
    ]


def _event(lst: HonourList, action: str, actor: User, note: str = "") -> None:
    HonourEvent.objects.create(honour_list=lst, action=action, actor=actor, note=note[:300])


@transaction.atomic
def honour_propose(*, campaign: Campaign, kind: str, actor: User) -> HonourList:
    """A new proposed list from today's figures (the next version of this kind)."""
    if kind not in HonourList.Kind.values:
        raise ValidationError(_("Choose commendation or accountability."))
    version = HonourList.objects.filter(campaign=campaign, kind=kind).count() + 1
    label = HonourList.Kind(kind).label
    lst = HonourList.objects.create(
        campaign=campaign,
        kind=kind,
        title=_("%(kind)s list no. %(n)s · %(day)s")
        % {"kind": label, "n": version, "day": timezone.localdate().isoformat()},
        version=version,
        created_by=actor,
    )
    entries = (
        _commend_entries(campaign)
        if kind == HonourList.Kind.COMMEND
        else _account_entries(campaign)
    )
    for i, e in enumerate(entries, start=1):
        e.honour_list = lst
        e.order = i
    HonourEntry.objects.bulk_create(entries)
    _event(lst, "propose", actor, _("%(n)s entries proposed") % {"n": len(entries)})
    return lst


def _editable(lst: HonourList) -> None:
    if lst.state != HonourList.State.DRAFT:
        raise ValidationError(
            _("Only a proposed list can be edited; this one is %(state)s.")
            % {"state": lst.get_state_display()}
        )


@transaction.atomic
def honour_entry_edit(
    *, entry: HonourEntry, actor: User, reason: str, evidence: str
) -> HonourEntry:
    _editable(entry.honour_list)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the entry."))
    entry.reason = reason.strip()[:300]
    entry.evidence = evidence.strip()
    entry.save(update_fields=["reason", "evidence"])
    _event(entry.honour_list, "edit", actor, entry.name)
    return entry


@transaction.atomic
def honour_entry_remove(*, entry: HonourEntry, actor: User) -> None:
    _editable(entry.honour_list)
    _event(entry.honour_list, "remove", actor, entry.name)
    entry.delete()


@transaction.atomic
def honour_confirm(*, honour_list: HonourList, actor: User) -> HonourList:
    lst = HonourList.objects.select_for_update().get(pk=honour_list.pk)
    _editable(lst)
    if not lst.entries.exists():
        raise ValidationError(_("An empty list cannot be confirmed."))
    lst.state = HonourList.State.CONFIRMED
    lst.save(update_fields=["state"])
    _event(lst, "confirm", actor)
    return lst


@transaction.atomic
def honour_publish(*, honour_list: HonourList, actor: User) -> HonourList:
    lst = HonourList.objects.select_for_update().get(pk=honour_list.pk)
    if lst.state != HonourList.State.CONFIRMED:
        raise ValidationError(_("Confirm the list before publishing it."))
    lst.state = HonourList.State.PUBLISHED
    lst.published_at = timezone.now()
    lst.save(update_fields=["state", "published_at"])
    _event(lst, "publish", actor)
    return lst
