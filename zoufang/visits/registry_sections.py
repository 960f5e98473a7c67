"""What visits adds to the pages below it (registered by `VisitsConfig.ready`):

- the registry's address page lists its visit tasks and visits, its person page the visits
  that met the person (an ID number entered on the form, or a visit that took place at their
  household), through `registry.sections`;
- a finding's page links to the visit it was raised on and shows its photos, through
  `findings.links`.

Every list starts from `visible_to(user)`: a user sees here only what the visit pages show.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zoufang.visits.models import Outcome, Visit, VisitTask

_VISIT_RELATED = ("task", "team", "recorded_by", "recorded_by__personnel")


def place_visits(user: Any, place: Any) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .filter(place=place)
        .select_related(*_VISIT_RELATED)
        .order_by("-started_at", "-pk")
    )


def place_tasks(user: Any, place: Any) -> QuerySet[VisitTask]:
    return (
        VisitTask.objects.visible_to(user)
        .filter(place=place)
        .select_related("campaign", "team")
        .order_by("-campaign__start_date", "-pk")
    )


def person_visits(user: Any, person: Any) -> QuerySet[Visit]:
    """Visits that met the person: their ID number was entered on the form, or the visit took
    place at their household's address."""
    met = Q(people_met__person=person)
    household = getattr(person, "household", None)
    if household is not None:
        met |= Q(place_id=household.place_id, outcome=Outcome.VISITED)
    ids = Visit.objects.visible_to(user).filter(met).values("pk")
    return (
        Visit.objects.filter(pk__in=ids)
        .select_related(*_VISIT_RELATED)
        .order_by("-started_at", "-pk")
    )


def visit_summary(user: Any, pk: int) -> dict[str, Any] | None:
    """A visit as a finding's page links to it: None when the user does not see the visit."""
    visit = Visit.objects.visible_to(user).select_related("task").filter(pk=pk).first()
    if visit is None:
        return None
    return {
        "url": reverse("visits:visit_detail", args=[visit.pk]),
        "label": f"{visit.get_kind_display()} · {visit.task.address} · "
        f"{timezone.localtime(visit.started_at):%Y-%m-%d %H:%M} · {visit.get_outcome_display()}",
        "photos": [
            reverse("visits:photo", args=[p]) for p in visit.photos.values_list("pk", flat=True)
        ],
    }


def register() -> None:
    from zoufang.findings import links
    from zoufang.registry import sections

    sections.register(
        "place",
        sections.Section(
            "visits", _("Visits"), "visits/_registry_visits.html", place_visits, order=10
        ),
    )
    sections.register(
        "place",
        sections.Section(
            "tasks", _("Visit tasks"), "visits/_registry_tasks.html", place_tasks, order=20
        ),
    )
    sections.register(
        "person",
        sections.Section(
            "visits",
            _("Visits that met this person"),
            "visits/_registry_visits.html",
            person_visits,
            order=10,
        ),
    )
    links.register_summary("visit", visit_summary)
