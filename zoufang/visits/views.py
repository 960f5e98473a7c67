"""Big-visit pages: today's list, recording a visit on a phone, a beat's tasks, coverage.
Interfaces only: parse → check access → call a service or selector → render."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.campaigns.models import Campaign, CatalogItem
from zoufang.core.paging import paginate
from zoufang.core.scope import user_manages
from zoufang.core.xlsx import xlsx_response
from zoufang.org.models import Team, Unit
from zoufang.visits import formschema, selectors, services
from zoufang.visits.models import Method, Outcome, TaskState, VisitKind, VisitPhoto


def _campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise Http404(_("There is no current campaign."))
    return campaign


# ---- today ----------------------------------------------------------------------------------


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """A team member's list for today: appointments first by time, then by address."""
    campaign = Campaign.objects.current()
    team = selectors.user_team(request.user, campaign)
    if team is None:
        return redirect("visits:coverage")
    day = timezone.localdate()
    tasks = list(selectors.today_tasks(team, day=day)[:300])
    return render(
        request,
        "visits/today.html",
        {
            "team": team,
            "day": day,
            "tasks": tasks,
            "later": selectors.later_appointments(team, day=day)[:20],
            "open_count": selectors.today_tasks(team, day=day).count(),
        },
    )


# ---- recording a visit ----------------------------------------------------------------------


def _parse_local(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("“%(v)s” is not a date and time.") % {"v": value}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _input_from_post(request: HttpRequest, form_questions: list[dict]) -> tuple[Any, dict]:
    """The page's POST as a VisitInput, and any field errors found while reading it."""
    post = request.POST
    errors: dict[str, str] = {}
    times = {}
    for name in ("started_at", "ended_at"):
        try:
            times[name] = _parse_local(post.get(name, ""))
        except ValidationError as exc:
            times[name] = None
            errors[name] = exc.messages[0]
    answers: dict[str, Any] = {}
    for q in form_questions:
        name = f"q_{q['code']}"
        value = post.getlist(name) if q["type"] == "multi" else post.get(name, "")
        if value not in ("", []):
            answers[q["code"]] = value
    leaflets = {}
    for key, value in post.items():
        if key.startswith("leaflet_") and value.strip():
            leaflets[key.removeprefix("leaflet_")] = value.strip()
    findings = [
        {"kind": k, "description": d, "grade": g}
        for k, d, g in zip(
            post.getlist("f_kind"),
            post.getlist("f_description"),
            post.getlist("f_grade"),
            strict=False,
        )
    ]
    members = [int(m) for m in post.getlist("members") if m.isdigit()]
    data = services.VisitInput(
        outcome=post.get("outcome", ""),
        started_at=times["started_at"],
        ended_at=times["ended_at"],
        members=members,
        method=post.get("method", ""),
        latitude=post.get("latitude") or None,
        longitude=post.get("longitude") or None,
        gps_accuracy=post.get("gps_accuracy") or None,
        answers=answers,
        note=post.get("note", ""),
        topics=post.getlist("topics"),
        leaflets=leaflets,
        findings=findings,
    )
    return data, errors


def _finding_kinds() -> list[tuple[str, str]]:
    from zoufang.findings.models import FindingKind

    kinds = list(FindingKind.objects.filter(is_active=True).select_related("parent"))
    parents = {k.parent_id for k in kinds if k.parent_id}
    return [(k.code, str(k)) for k in kinds if k.pk not in parents]


def _grades() -> list[tuple[str, str]]:
    from zoufang.findings.models import Grade

    return list(Grade.choices)


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit to a task (mobile first). A refused submission comes back filled in."""
    task = selectors.get_task_for_user(request.user, pk)
    if not services.may_record(request.user, task):
        raise PermissionDenied
    campaign = task.campaign
    form = formschema.form_for(campaign, task.kind)
    form_sections = formschema.sections(form, task.kind)
    form_questions = [q for s in form_sections for q in s["questions"]]
    team = services.visit_team(task, request.user)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        try:
            client_uuid = uuid.UUID(request.POST.get("client_uuid", ""))
        except ValueError:
            client_uuid = uuid.uuid4()
        data, errors = _input_from_post(request, form_questions)
        for upload in request.FILES.getlist("photos"):
            try:
                services.visit_photo_add(actor=request.user, visit_uuid=client_uuid, upload=upload)
            except ValidationError as exc:
                errors["photos"] = " ".join(exc.messages)
        if not errors:
            try:
                result = services.visit_submit(
                    actor=request.user, task_id=task.pk, data=data, client_uuid=client_uuid
                )
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                errors = {k: " ".join(v) if isinstance(v, list) else v for k, v in errors.items()}
            except services.VisitConflict as exc:
                errors = {"": str(exc)}
            else:
                visit = result.visit
                messages.success(
                    request,
                    _("Visit recorded: %(address)s — %(outcome)s.")
                    % {"address": task.address, "outcome": visit.get_outcome_display()},
                )
                if visit.finding_count:
                    messages.info(
                        request,
                        _("%(n)s finding(s) were raised and routed to their owners.")
                        % {"n": visit.finding_count},
                    )
                if selectors.user_team(request.user, campaign) is not None:
                    return redirect("visits:today")
                return redirect("visits:visit_detail", pk=visit.pk)
        values = request.POST
    else:
        client_uuid = uuid.uuid4()
        now = timezone.localtime()
        values = {
            "started_at": (now - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": now.strftime("%Y-%m-%dT%H:%M"),
            "method": task.method,
        }
    kept_photos = VisitPhoto.objects.filter(visit_uuid=client_uuid, visit__isnull=True).count()
    sections = _bound_sections(form_sections, values, errors, request.method == "POST")
    catalog = CatalogItem.objects.filter(campaign=campaign, is_active=True).order_by("order")
    posted_members = (
        {int(m) for m in request.POST.getlist("members") if m.isdigit()}
        if request.method == "POST"
        else None
    )
    members = []
    if team is not None:
        for m in team.members.select_related("personnel").order_by("personnel__name"):
            members.append(
                {
                    "id": m.personnel_id,
                    "name": m.personnel.name,
                    "kind": m.personnel.get_kind_display(),
                    "checked": posted_members is None or m.personnel_id in posted_members,
                }
            )
    posted_findings = (
        list(
            zip(
                request.POST.getlist("f_kind"),
                request.POST.getlist("f_description"),
                request.POST.getlist("f_grade"),
                strict=False,
            )
        )
        if request.method == "POST"
        else []
    )
    finding_rows = [
        {"kind": k, "description": d, "grade": g, "n": n}
        for n, (k, d, g) in enumerate(posted_findings, start=1)
        if k or d
    ] or [{"kind": "", "description": "", "grade": "", "n": 1}]
    context = {
        "task": task,
        "team": team,
        "form": form,
        "sections": sections,
        "errors": errors,
        "general_errors": [v for k, v in errors.items() if not k.startswith(("q_",))],
        "values": values,
        "client_uuid": client_uuid,
        "members": members,
        "outcomes": Outcome.choices,
        "methods": Method.choices,
        "topics": [
            {"code": i.code, "name": i.name, "checked": i.code in values.getlist("topics")}
            if hasattr(values, "getlist")
            else {"code": i.code, "name": i.name, "checked": False}
            for i in catalog
            if i.kind == CatalogItem.Kind.TOPIC
        ],
        "leaflets": [
            {
                "code": i.code,
                "name": i.name,
                "value": values.get(f"leaflet_{i.code}", ""),
                "error": errors.get(f"leaflet_{i.code}", ""),
            }
            for i in catalog
            if i.kind == CatalogItem.Kind.LEAFLET
        ],
        "finding_kinds": _finding_kinds(),
        "grades": _grades(),
        "finding_rows": finding_rows,
        "kept_photos": kept_photos,
        "max_photos": services.MAX_PHOTOS,
        "photo_max_mb": services.photo_max_bytes() // 1048576,
    }
    return render(request, "visits/record.html", context, status=422 if errors else 200)


def _bound_sections(
    sections: list[dict], values: Any, errors: dict[str, str], posted: bool
) -> list[dict]:
    out = []
    for s in sections:
        qs = []
        for q in s["questions"]:
            name = f"q_{q['code']}"
            if q["type"] == "multi":
                value = values.getlist(name) if hasattr(values, "getlist") else []
            else:
                value = values.get(name, "")
            qs.append({**q, "name": name, "value": value, "error": errors.get(name, "")})
        out.append({"title": s["title"], "questions": qs})
    return out


# ---- a task, a visit ------------------------------------------------------------------------


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.get_task_for_user(request.user, pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
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
            "may_record": services.may_record(request.user, task),
            "methods": Method.choices,
            "errors": errors,
            "values": request.POST if request.method == "POST" else {},
        },
        status=422 if errors else 200,
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.get_visit_for_user(request.user, pk)
    show_sensitive = _may_read_sensitive(request.user, visit)
    answers = []
    for s in formschema.sections(visit.form, visit.kind):
        rows = []
        for q in s["questions"]:
            if q["code"] not in visit.answers:
                continue
            value = visit.answers[q["code"]]
            if q.get("sensitive") and not show_sensitive:
                value = _("(restricted)")
            elif value is True:
                value = _("Yes")
            elif value is False:
                value = _("No")
            elif isinstance(value, list):
                value = "、".join(value)
            rows.append((q.get("label", q["code"]), value))
        if rows:
            answers.append((s["title"], rows))
    from zoufang.findings.models import Finding

    findings = (
        Finding.objects.visible_to(request.user)
        .filter(visit_id=visit.pk)
        .select_related("kind", "kind__parent")
    )
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "answers": answers,
            "members": visit.members.select_related("personnel"),
            "topics": visit.topics.select_related("item"),
            "leaflets": visit.leaflets.select_related("item"),
            "photos": visit.photos.all(),
            "findings": findings,
            "show_sensitive": show_sensitive,
        },
    )


def _may_read_sensitive(user: Any, visit: Any) -> bool:
    from zoufang.findings.models import is_leadership

    return bool(
        is_leadership(user)
        or getattr(user, "can_view_sensitive", False)
        or visit.recorded_by_id == user.pk
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit photo, served only to users who may see the visit."""
    from django.http import FileResponse

    item = VisitPhoto.objects.select_related("visit").filter(pk=pk).first()
    if item is None or item.visit is None:
        raise Http404
    selectors.get_visit_for_user(request.user, item.visit_id)
    return FileResponse(item.image.open("rb"), content_type=item.content_type)


# ---- a beat's tasks -------------------------------------------------------------------------


@login_required
def beat_tasks(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = selectors.get_beat_for_user(request.user, beat_id)
    campaign = _campaign()
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
    page = paginate(request, qs)
    load = selectors.team_load(campaign, beat)
    teams = list(Team.objects.filter(campaign=campaign, beat=beat).order_by("name"))
    for t in teams:
        t.open_count = load.get(t.pk, 0)
    context = {
        "beat": beat,
        "page": page,
        "teams": teams,
        "states": [("open", _("Still to visit")), *TaskState.choices],
        "kinds": VisitKind.choices,
        "may_manage": services.may_manage_tasks(request.user, beat),
        "new_places": selectors.places_without_task(beat=beat, campaign=campaign),
    }
    template = "visits/beat_tasks.html#results" if request.htmx else "visits/beat_tasks.html"
    return render(request, template, context)


@login_required
@require_POST
def generate(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = selectors.get_beat_for_user(request.user, beat_id)
    if not services.may_manage_tasks(request.user, beat):
        raise PermissionDenied
    result = services.tasks_generate(campaign=_campaign(), beat=beat, actor=request.user)
    messages.success(
        request,
        _("%(n)s new task(s) generated; the beat now has %(total)s.")
        % {"n": result.created, "total": result.total},
    )
    return redirect("visits:beat_tasks", beat_id=beat.pk)


@login_required
@require_POST
def reassign(request: HttpRequest, beat_id: int) -> HttpResponse:
    beat = selectors.get_beat_for_user(request.user, beat_id)
    if not services.may_manage_tasks(request.user, beat):
        raise PermissionDenied
    campaign = _campaign()
    team = Team.objects.filter(
        campaign=campaign, beat=beat, pk=request.POST.get("team") or 0
    ).first()
    ids = [int(i) for i in request.POST.getlist("tasks") if i.isdigit()]
    tasks = list(selectors.task_list(request.user, beat=beat, campaign=campaign).filter(pk__in=ids))
    batch = request.POST.get("batch", "").strip()
    if batch:
        tasks += services.tasks_of_batch(campaign=campaign, beat=beat, batch=batch)
    if team is None or not tasks:
        messages.error(request, _("Choose the tasks (or a batch) and the team to give them to."))
    else:
        n = services.tasks_reassign(
            tasks=tasks, team=team, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, _("%(n)s task(s) given to %(team)s.") % {"n": n, "team": team.name}
        )
    return redirect(_next(request, reverse("visits:beat_tasks", args=[beat.pk])))


# ---- coverage -------------------------------------------------------------------------------


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """底数清: places, visited, not reached, refused, address problems, not attempted — for the
    chosen unit and each unit under it, by visit kind; teams and people; compliance."""
    user = request.user
    campaign = _campaign()
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
        "may_decide": user_manages(user, unit.path),
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


@login_required
def unvisited(request: HttpRequest, beat_id: int) -> HttpResponse:
    """The beat's addresses not yet visited, one click from coverage; exports to xlsx."""
    beat = selectors.get_beat_for_user(request.user, beat_id)
    campaign = _campaign()
    qs = selectors.unvisited_tasks(request.user, beat=beat, campaign=campaign)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                t.address,
                t.get_kind_display(),
                t.batch,
                t.team.name if t.team else "",
                t.get_state_display(),
                t.attempts,
                services._appointment_text(t),
                t.last_visit_at,
            ]
            for t in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            f"unvisited-{beat.code}",
            [_(h) for h in UNVISITED_HEADERS],
            rows,
            sheet=_("Not yet visited"),
        )
    return render(
        request,
        "visits/unvisited.html",
        {"beat": beat, "page": paginate(request, qs), "total": qs.count()},
    )


@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_correction_for_user(request.user, pk)
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
    return redirect(_next(request, reverse("visits:coverage")))


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
