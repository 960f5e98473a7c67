"""Recording a visit on a phone: the campaign's form for the task, a good submission saved,
a refused one given back filled in (HTTP 422) with the photos already received kept."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zoufang.campaigns.models import CatalogItem
from zoufang.visits import access, formschema, selectors, services
from zoufang.visits.models import Method, Outcome, Visit, VisitTask

# What the recorder is told when an ID number entered needs checking (a wanted match).
CALL_IN_PROMPT = gettext_lazy(
    "Please call the station on duty now to confirm the details entered on this visit."
)


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit to a task (mobile first). A refused submission comes back filled in."""
    task = access.get_task_for_user(request.user, pk)
    if not access.may_record(request.user, task):
        raise PermissionDenied
    form = formschema.form_for(task.campaign, task.kind)
    form_sections = formschema.sections(form, task.kind)
    if request.method == "POST":
        client_uuid = _client_uuid(request.POST.get("client_uuid", ""))
        visit, errors = _submit(request, task, client_uuid, form_sections)
        if visit is not None:
            return _recorded(request, task, visit)
        values: Any = request.POST
    else:
        client_uuid, errors = uuid.uuid4(), {}
        now = timezone.localtime()
        values = {
            "started_at": (now - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": now.strftime("%Y-%m-%dT%H:%M"),
            "method": task.method,
        }
    context = {
        "task": task,
        "form": form,
        "errors": errors,
        "general_errors": [v for k, v in errors.items() if not k.startswith(("q_",))],
        "values": values,
        "client_uuid": client_uuid,
        "outcomes": Outcome.choices,
        "methods": Method.choices,
        **_form_parts(request, task, form_sections, values, errors),
        "kept_photos": selectors.waiting_photo_count(request.user, client_uuid),
        "max_photos": services.MAX_PHOTOS,
        "photo_max_mb": services.photo_max_bytes() // 1048576,
    }
    return render(request, "visits/record.html", context, status=422 if errors else 200)


def _client_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid4()


def _submit(
    request: HttpRequest, task: VisitTask, client_uuid: uuid.UUID, form_sections: list[dict]
) -> tuple[Visit | None, dict[str, str]]:
    """Store the photos sent with the form, then the visit: (the visit, {}) or (None, the
    errors to show)."""
    form_questions = [q for s in form_sections for q in s["questions"]]
    data, errors = _input_from_post(request, form_questions)
    for upload in request.FILES.getlist("photos"):
        try:
            services.visit_photo_add(actor=request.user, visit_uuid=client_uuid, upload=upload)
        except ValidationError as exc:
            errors["photos"] = " ".join(exc.messages)
    if errors:
        return None, errors
    try:
        result = services.visit_submit(
            actor=request.user, task_id=task.pk, data=data, client_uuid=client_uuid
        )
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return None, {k: " ".join(v) if isinstance(v, list) else v for k, v in found.items()}
    except services.VisitConflict as exc:
        return None, {"": str(exc)}
    return result.visit, {}


def _recorded(request: HttpRequest, task: VisitTask, visit: Visit) -> HttpResponse:
    messages.success(
        request,
        _("Visit recorded: %(address)s — %(outcome)s.")
        % {"address": task.address, "outcome": visit.get_outcome_display()},
    )
    if services.visit_asks_call_in(visit):
        # Neutral on purpose: the person may be standing next to the officer (services.heard).
        messages.warning(request, CALL_IN_PROMPT)
    if visit.finding_count:
        messages.info(
            request,
            _("%(n)s finding(s) were raised and routed to their owners.")
            % {"n": visit.finding_count},
        )
    if selectors.user_team(request.user, task.campaign) is not None:
        return redirect("visits:today")
    return redirect("visits:visit_detail", pk=visit.pk)


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


def _posted_findings(post: Any) -> list[tuple[str, str, str]]:
    return list(
        zip(
            post.getlist("f_kind"),
            post.getlist("f_description"),
            post.getlist("f_grade"),
            strict=False,
        )
    )


def _input_from_post(
    request: HttpRequest, form_questions: list[dict]
) -> tuple[services.VisitInput, dict]:
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
    leaflets = {
        key.removeprefix("leaflet_"): value.strip()
        for key, value in post.items()
        if key.startswith("leaflet_") and value.strip()
    }
    data = services.VisitInput(
        outcome=post.get("outcome", ""),
        started_at=times["started_at"],
        ended_at=times["ended_at"],
        members=[int(m) for m in post.getlist("members") if m.isdigit()],
        method=post.get("method", ""),
        latitude=post.get("latitude") or None,
        longitude=post.get("longitude") or None,
        gps_accuracy=post.get("gps_accuracy") or None,
        answers=answers,
        note=post.get("note", ""),
        topics=post.getlist("topics"),
        leaflets=leaflets,
        findings=[{"kind": k, "description": d, "grade": g} for k, d, g in _posted_findings(post)],
        # The focuses section is hidden unless the visit took place: ticks left in it then
        # were not meant to be sent.
        focuses=post.getlist("focuses") if post.get("outcome") == Outcome.VISITED else [],
    )
    return data, errors


def _form_parts(
    request: HttpRequest,
    task: VisitTask,
    form_sections: list[dict],
    values: Any,
    errors: dict[str, str],
) -> dict[str, Any]:
    """The form's parts as the page shows them, filled in from `values` (a refused POST)."""
    posted = request.method == "POST"
    team = selectors.visit_team(task, request.user)
    chosen = {int(m) for m in request.POST.getlist("members") if m.isdigit()}
    members = [
        {
            "id": m.personnel_id,
            "name": m.personnel.name,
            "kind": m.personnel.get_kind_display(),
            "checked": not posted or m.personnel_id in chosen,
        }
        for m in (
            team.members.select_related("personnel").order_by("personnel__name") if team else []
        )
    ]
    finding_rows = [
        {"kind": k, "description": d, "grade": g, "n": n}
        for n, (k, d, g) in enumerate(_posted_findings(request.POST) if posted else [], start=1)
        if k or d
    ] or [{"kind": "", "description": "", "grade": "", "n": 1}]
    catalog = CatalogItem.objects.filter(campaign=task.campaign, is_active=True).order_by("order")
    ticked = values.getlist("topics") if hasattr(values, "getlist") else []
    focused = values.getlist("focuses") if hasattr(values, "getlist") else []
    return {
        "team": team,
        "sections": _bound_sections(form_sections, values, errors),
        "members": members,
        "topics": [
            {"code": i.code, "name": i.name, "checked": i.code in ticked}
            for i in catalog
            if i.kind == CatalogItem.Kind.TOPIC
        ],
        "focuses": [
            {"code": i.code, "name": i.name, "checked": i.code in focused}
            for i in catalog
            if i.kind == CatalogItem.Kind.FOCUS
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
    }


def _bound_sections(sections: list[dict], values: Any, errors: dict[str, str]) -> list[dict]:
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


def _finding_kinds() -> list[tuple[str, str]]:
    from zoufang.findings.models import FindingKind

    kinds = list(FindingKind.objects.filter(is_active=True).select_related("parent"))
    parents = {k.parent_id for k in kinds if k.parent_id}
    return [(k.code, str(k)) for k in kinds if k.pk not in parents]


def _grades() -> list[tuple[str, str]]:
    from zoufang.findings.models import Grade

    return list(Grade.choices)
