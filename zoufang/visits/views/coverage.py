"""Coverage (底数清): a unit and each unit under it, by visit kind, team and person, with
compliance; a beat's unvisited addresses (xlsx export); deciding correction requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate
from zoufang.core.replica import replica_reads
from zoufang.core.xlsx import xlsx_response
from zoufang.org.models import Unit
from zoufang.visits import access, selectors, services
from zoufang.visits.models import TaskState, VisitKind
from zoufang.visits.views.common import current_campaign, next_url


@replica_reads
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """底数清: places, visited, not reached, refused, address problems, not attempted — for the
    chosen unit and each unit under it, by visit kind; teams and people; compliance."""
    user = request.user
    campaign = current_campaign()
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = get_object_or_404(Unit.objects.visible_to(user), pk=int(unit_id))
    else:
        unit = selectors.coverage_root(user)
        if unit is None:
            raise Http404
    own, children = selectors.coverage_children(user, unit=unit, campaign=campaign)
    is_small = unit.level >= Unit.Level.STATION
    context = {
        "unit": unit,
        "chain": selectors.unit_chain(user, unit),
        "own": own,
        "children": children,
        "kinds": VisitKind.choices,
        "teams": selectors.coverage_by_team(user, unit=unit, campaign=campaign) if is_small else [],
        "persons": selectors.coverage_by_person(user, unit=unit, campaign=campaign)
        if is_small
        else [],
        "compliance": selectors.compliance(user, unit=unit, campaign=campaign),
        "corrections": selectors.open_corrections(user, unit=unit)[:50],
        "may_decide": access.may_decide_correction(user, unit.path),
        "my_team": selectors.user_team(user, campaign),
        "chart": _chart(children if children else [own]),
    }
    return render(request, "visits/coverage.html", context)


def _chart(rows: list[selectors.CoverageRow]) -> dict[str, Any]:
    return {
        "labels": [r.label for r in rows],
        "series": [
            {
                "key": s.value,
                "name": str(s.label),
                "data": [getattr(r.total, s.value) for r in rows],
            }
            for s in (
                TaskState.VISITED,
                TaskState.RETRY,
                TaskState.REFUSED,
                TaskState.INVALID,
                TaskState.PENDING,
            )
        ],
    }


UNVISITED_HEADERS = [
    gettext_noop("Address"),
    gettext_noop("Visit kind"),
    gettext_noop("Walk batch"),
    gettext_noop("Team"),
    gettext_noop("State"),
    gettext_noop("Attempts"),
    gettext_noop("Appointment"),
    gettext_noop("Last visit"),
]


@replica_reads
@login_required
def unvisited(request: HttpRequest, beat_id: int) -> HttpResponse:
    """The beat's addresses not yet visited, one click from coverage; exports to xlsx."""
    beat = access.get_beat_for_user(request.user, beat_id)
    qs = selectors.unvisited_tasks(request.user, beat=beat, campaign=current_campaign())
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                t.address,
                t.get_kind_display(),
                t.batch,
                t.team.name if t.team else "",
                t.get_state_display(),
                t.attempts,
                services.appointment_text(t),
                t.last_visit_at,
            ]
            for t in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            request,
            f"unvisited-{beat.code}",
            [_(h) for h in UNVISITED_HEADERS],
            rows,
            sheet=_("Not yet visited"),
            title=f"{_('Not yet visited')} · {beat.name}",
        )
    return render(
        request,
        "visits/unvisited.html",
        {"beat": beat, "page": paginate(request, qs), "total": qs.count()},
    )


@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_correction_for_user(request.user, pk)
    apply = request.POST.get("decision") == "apply"
    try:
        services.correction_decide(
            request=item, actor=request.user, apply=apply, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The registry was corrected.") if apply else _("Rejected: the task is open again."),
        )
    return redirect(next_url(request, reverse("visits:coverage")))
