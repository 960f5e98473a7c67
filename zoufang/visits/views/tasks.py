"""A task's page (its visits, history and appointment), a beat's task list, and the
managers' buttons: generate tasks, reassign tasks or a whole batch."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate, render_results
from zoufang.org.models import Team, Unit
from zoufang.visits import access, selectors, services
from zoufang.visits.models import Method, TaskState, VisitKind, VisitTask
from zoufang.visits.views.common import current_campaign, next_url


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            _schedule(request, task)
        except ValueError:
            errors = {"appointment_date": _("Enter a valid date and times.")}
        except ValidationError as exc:
            errors = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("Appointment saved."))
            return redirect("visits:task_detail", pk=task.pk)
    return render(
        request,
        "visits/task_detail.html",
        {
            "task": task,
            "visits": selectors.visit_list(request.user, task=task),
            "events": task.events.select_related("actor").order_by("-at", "-pk")[:30],
            "may_record": access.may_record(request.user, task),
            "methods": Method.choices,
            "errors": errors,
            "values": request.POST if request.method == "POST" else {},
        },
        status=422 if errors else 200,
    )


def _schedule(request: HttpRequest, task: VisitTask) -> None:
    """The appointment form, to the service (ValueError: a date or time that does not parse)."""
    date = request.POST.get("appointment_date") or None
    start = request.POST.get("appointment_start") or None
    end = request.POST.get("appointment_end") or None
    services.task_schedule(
        task=task,
        actor=request.user,
        date=dt.date.fromisoformat(date) if date else None,
        start=dt.time.fromisoformat(start) if start else None,
        end=dt.time.fromisoformat(end) if end else None,
        method=request.POST.get("method", Method.NORMAL),
        note=request.POST.get("appointment_note", ""),
    )


@login_required
def beat_tasks(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = access.get_beat_for_user(request.user, beat_id)
    campaign = current_campaign()
    team_id = request.GET.get("team", "")
    qs = selectors.task_list(
        request.user,
        beat=beat,
        campaign=campaign,
        state=request.GET.get("state", ""),
        kind=request.GET.get("kind", ""),
        team_id=int(team_id) if team_id.isdigit() else None,
        search=request.GET.get("q", "").strip(),
    )
    load = selectors.team_load(campaign, beat)
    teams = list(Team.objects.filter(campaign=campaign, beat=beat).order_by("name"))
    for t in teams:
        t.open_count = load.get(t.pk, 0)
    context = {
        "beat": beat,
        "page": paginate(request, qs),
        "teams": teams,
        "states": [("open", _("Still to visit")), *TaskState.choices],
        "kinds": VisitKind.choices,
        "may_manage": access.may_manage_tasks(request.user, beat),
        "new_places": selectors.places_without_task(beat=beat, campaign=campaign),
    }
    return render_results(request, "visits/beat_tasks.html", context)


def _managed_beat(request: HttpRequest, beat_id: int) -> Unit:
    """The beat, if the user sees it (else 404) and manages its tasks (else 403)."""
    beat = access.get_beat_for_user(request.user, beat_id)
    if not access.may_manage_tasks(request.user, beat):
        raise PermissionDenied
    return beat


@login_required
@require_POST
def generate(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = _managed_beat(request, beat_id)
    result = services.tasks_generate(campaign=current_campaign(), beat=beat, actor=request.user)
    messages.success(
        request,
        _("%(n)s new task(s) generated; the beat now has %(total)s.")
        % {"n": result.created, "total": result.total},
    )
    return redirect("visits:beat_tasks", beat_id=beat.pk)


@login_required
@require_POST
def reassign(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = _managed_beat(request, beat_id)
    campaign = current_campaign()
    team = Team.objects.filter(
        campaign=campaign, beat=beat, pk=request.POST.get("team") or 0
    ).first()
    ids = [int(i) for i in request.POST.getlist("tasks") if i.isdigit()]
    tasks = list(selectors.task_list(request.user, beat=beat, campaign=campaign).filter(pk__in=ids))
    batch = request.POST.get("batch", "").strip()
    if batch:
        tasks += selectors.tasks_of_batch(campaign=campaign, beat=beat, batch=batch)
    if team is None or not tasks:
        messages.error(request, _("Choose the tasks (or a batch) and the team to give them to."))
    else:
        n = services.tasks_reassign(
            tasks=tasks, team=team, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, _("%(n)s task(s) given to %(team)s.") % {"n": n, "team": team.name}
        )
    return redirect(next_url(request, reverse("visits:beat_tasks", args=[beat.pk])))
