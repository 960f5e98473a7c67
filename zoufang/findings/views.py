"""Findings pages: the ledger and queues, my findings, raising one, its page and actions,
figures per unit. Interfaces only: parse, check access, call a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.core.masking import mask_phone
from zoufang.core.paging import paginate, render_results
from zoufang.core.replica import replica_reads
from zoufang.core.roles import Role
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.findings import access, links, selectors
from zoufang.findings.actions import ACTIONS
from zoufang.findings.forms import (
    STATE_CHOICES,
    ActionForm,
    FeedbackForm,
    FindingCreateForm,
    ReferralForm,
)
from zoufang.findings.models import OPEN_STATES, Finding, FindingKind, Grade
from zoufang.findings.services.audit import record_access
from zoufang.findings.services.create import FindingConflict, finding_create, finding_duplicates
from zoufang.findings.services.referrals import finding_refer, referral_feedback
from zoufang.findings.services.workflow import FindingChanged, finding_transition
from zoufang.org.access import get_unit_for_user
from zoufang.org.models import Unit


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> selectors.LedgerFilters:
    g = request.GET
    unit = None
    if g.get("unit", "").isdigit():
        unit = get_unit_for_user(request.user, int(g["unit"]))
    queue = g.get("queue", "")
    return selectors.LedgerFilters(
        queue=queue if queue in selectors.QUEUES else "",
        kind=g.get("kind", ""),
        grade=g.get("grade", "") if g.get("grade") in Grade.values else "",
        state=g.get("state", ""),
        unit=unit,
        date_from=_date(g.get("from")),
        date_to=_date(g.get("to")),
        q=g.get("q", "").strip()[:50],
        referral=g.get("referral", "") if g.get("referral") in selectors.REFERRAL_FILTERS else "",
    )


def _decorate(user, rows: list[Finding]) -> list[Finding]:  # type: ignore[no-untyped-def]
    overdue = selectors.referral_overdue_ids([f.pk for f in rows])
    for f in rows:
        f.readable = access.can_read(user, f)
        f.referral_overdue = f.pk in overdue
    return rows


LEDGER_HEADERS = [
    gettext_noop("Number"),
    gettext_noop("Raised"),
    gettext_noop("Kind"),
    gettext_noop("Grade"),
    gettext_noop("State"),
    gettext_noop("Beat"),
    gettext_noop("Place"),
    gettext_noop("Description"),
    gettext_noop("Owner unit"),
    gettext_noop("Owner department"),
    gettext_noop("Co-handling"),
    gettext_noop("Assigned to"),
    gettext_noop("Deadline"),
    gettext_noop("Overdue"),
    gettext_noop("督办"),
    gettext_noop("Resident"),
    gettext_noop("Resident phone"),
    gettext_noop("What was done"),
    gettext_noop("Resident satisfied"),
    gettext_noop("Co-handling referrals"),
]


def _export_row(user, f: Finding) -> list:  # type: ignore[no-untyped-def]
    if not access.can_read(user, f):
        return [f.number, f.created_at, _("Restricted item")]
    phone = f.resident_phone
    if not access.may_see_personal_data(user, f):
        phone = mask_phone(phone)
    return [
        f.number,
        f.created_at,
        str(f.kind),
        f.get_grade_display(),
        f.get_state_display(),
        f.beat.name,
        f.place_text,
        f.description,
        f.owner_unit.name,
        f.owner_department.name if f.owner_department_id else "",
        f.co_handlers,
        f.assignee.display_name if f.assignee_id else "",
        f.deadline,
        f.is_overdue,
        f.supervised,
        f.resident_name,
        phone,
        f.resolution,
        "" if f.followup_satisfied is None else f.followup_satisfied,
        _referrals_text(f),
    ]


def _referrals_text(f: Finding) -> str:
    """The finding's referrals in one cell, contact phones masked (an export is a list)."""
    parts = []
    for r in f.referrals.all():
        state = _("feedback received") if r.feedback_at else _("awaiting feedback")
        if r.is_overdue:
            state = _("feedback overdue")
        parts.append(
            f"{r.body_name} {r.contact_name} {mask_phone(r.contact_phone)} "
            f"{r.deadline:%Y-%m-%d} {state}"
        )
    return "; ".join(parts)


@replica_reads
@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = _filters(request)
    qs = selectors.finding_list(user, filters)
    if request.GET.get("export") == "xlsx":
        rows = (
            _export_row(user, f) for f in qs.prefetch_related("referrals").iterator(chunk_size=2000)
        )
        return xlsx_response(
            request, "findings", [_(h) for h in LEDGER_HEADERS], rows, sheet=_("Findings")
        )
    page = selectors.window(qs, request.GET.get("page"))
    _decorate(user, page.rows)
    context = {
        "page": page,
        "filters": filters,
        "kinds": selectors.kind_choices(),
        "grades": Grade.choices,
        "states": STATE_CHOICES,
        "queue": filters.queue,
        "now": dt.datetime.now(tz=dt.UTC),
    }
    return render_results(request, "findings/ledger.html", context)


@login_required
def my_findings(request: HttpRequest) -> HttpResponse:
    """The phone view: what is on my desk."""
    user = request.user
    tab = request.GET.get("tab", "assigned")
    filters = {
        "assigned": selectors.LedgerFilters(queue="mine"),
        "followup": selectors.LedgerFilters(queue="followup"),
        "reported": selectors.LedgerFilters(queue="mine"),
    }
    if tab not in filters:
        tab = "assigned"
    qs = selectors.finding_list(user, filters[tab])
    if tab == "assigned":
        qs = qs.filter(assignee=user, state__in=OPEN_STATES)
    elif tab == "reported":
        qs = qs.filter(reporter=user)
    page = selectors.window(qs, request.GET.get("page"), per_page=20)
    _decorate(user, page.rows)
    context = {
        "page": page,
        "tab": tab,
        "counts": selectors.my_queue_counts(user),
        "now": dt.datetime.now(tz=dt.UTC),
    }
    return render(request, "findings/mine.html", context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = FindingCreateForm(request.POST or None, user=user)
    duplicates: list[Finding] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        link_to = None
        if request.POST.get("link_to", "").isdigit():
            link_to = access.get_finding_for_user(user, int(request.POST["link_to"]))
        kind = FindingKind.objects.filter(code=data["kind"]).first()
        if kind and link_to is None and request.POST.get("confirm") != "1":
            duplicates = finding_duplicates(
                kind=kind, beat=data["beat"], description=data["description"]
            )
            duplicates = [d for d in duplicates if access.may_see(user, d)]
        if not duplicates:
            try:
                result = finding_create(
                    actor=user,
                    kind_code=data["kind"],
                    description=data["description"],
                    beat=data["beat"],
                    place_text=data["place_text"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    grade=data["grade"] or None,
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    client_uuid=data["client_uuid"],
                    link_to=link_to,
                )
            except FindingConflict as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if result.linked:
                    messages.success(
                        request,
                        _("Your report was added to %(number)s.")
                        % {"number": result.finding.number},
                    )
                else:
                    messages.success(
                        request,
                        _("Finding %(number)s was logged and routed to %(unit)s.")
                        % {"number": result.finding.number, "unit": result.finding.owner_unit.name},
                    )
                return redirect("findings:detail", pk=result.finding.pk)
    _decorate(user, duplicates)
    return render(request, "findings/create.html", {"form": form, "duplicates": duplicates})


def _add_errors(form, exc: ValidationError) -> None:  # type: ignore[no-untyped-def]
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


# The inputs each action asks for on the finding page.
ACTION_FIELDS = {
    "triage": ["kind", "grade", "comment"],
    "assign": ["assignee", "unit", "deadline", "comment"],
    "resolve": ["comment", "files"],
    "follow_up": ["satisfied", "comment"],
    "transfer": ["unit", "comment"],
}


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    finding = access.get_finding_for_user(user, pk)
    readable = record_access(user, finding, via="page")
    context = {"finding": finding, "readable": readable}
    if readable:
        actions = access.allowed_actions(user, finding)
        context.update(
            {
                "timeline": selectors.finding_timeline(finding),
                "actions": [
                    (a, [form[n] for n in ACTION_FIELDS.get(a.name, ["comment"])])
                    for a in actions
                    for form in [ActionForm(finding=finding, user=user, prefix=a.name)]
                ],
                "shown_phone": finding.resident_phone
                if access.may_see_personal_data(user, finding)
                else mask_phone(finding.resident_phone),
                **_referral_context(user, finding),
                "visit": links.summary("visit", user, finding.visit_id),
                # The address's registry page, for who sees the territory (not only the owner).
                "place_link": bool(finding.place_id)
                and user_scope(user).contains(finding.unit_path),
            }
        )
    return render(request, "findings/detail.html", context)


def _referral_context(user, finding: Finding) -> dict:  # type: ignore[no-untyped-def]
    """The finding's co-handling referrals as its page shows them (phones masked for who may
    not see personal data), and the forms to add one or its feedback."""
    full = access.may_see_personal_data(user, finding)
    may = access.may_refer(user, finding)
    referrals = list(finding.referrals.select_related("created_by").order_by("created_at", "pk"))
    for r in referrals:
        r.shown_phone = r.contact_phone if full else mask_phone(r.contact_phone)
        r.feedback_form = FeedbackForm(prefix=f"fb{r.pk}") if may else None
    finding.referral_overdue = any(r.is_overdue for r in referrals)
    return {
        "referrals": referrals,
        "referral_form": ReferralForm(prefix="refer") if may and finding.is_open else None,
    }


@login_required
@require_POST
def finding_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    finding = access.get_finding_for_user(user, pk)
    if not record_access(user, finding, via="page"):
        raise PermissionDenied(_("This is a restricted item."))
    # Each action's form on the page carries its own prefix (several forms on one page).
    prefix = request.POST.get("prefix", "")
    form = ActionForm(
        request.POST,
        request.FILES,
        finding=finding,
        user=user,
        prefix=prefix if prefix in ACTIONS else None,
    )
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _flat(form)})
        return redirect("findings:detail", pk=pk)
    d = form.cleaned_data
    try:
        finding_transition(
            finding=finding,
            actor=user,
            action=d["action"],
            version=d["version"],
            comment=d["comment"],
            kind_code=d["kind"] or None,
            grade=d["grade"] or None,
            assignee=d["assignee"],
            unit=d["unit"],
            deadline=d["deadline"],
            satisfied=d["satisfied"],
            files=request.FILES.getlist(form.add_prefix("files")),
        )
    except FindingChanged as exc:
        messages.warning(request, str(exc))
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("Saved."))
    return redirect("findings:detail", pk=pk)


def _flat(form) -> str:  # type: ignore[no-untyped-def]
    return "; ".join(
        f"{form.fields[k].label if k in form.fields else ''} {' '.join(v)}"
        for k, v in form.errors.items()
    )


@replica_reads
@login_required
def finding_stats(request: HttpRequest) -> HttpResponse:
    user = request.user
    parent = None
    if request.GET.get("unit", "").isdigit():
        parent = get_unit_for_user(user, int(request.GET["unit"]))
    parent, units = selectors.stats_units(user, parent)
    rows = selectors.finding_stats(user, units)
    chart = {
        "names": [r.unit.name for r in rows],
        "raised": [r.raised for r in rows],
        "resolved": [r.resolved for r in rows],
        "overdue": [r.overdue for r in rows],
        "on_time": [
            round(r.on_time_rate * 100, 1) if r.on_time_rate is not None else None for r in rows
        ],
        "satisfaction": [
            round(r.satisfaction_rate * 100, 1) if r.satisfaction_rate is not None else None
            for r in rows
        ],
        "labels": [
            _("Raised"),
            _("Resolved"),
            _("Overdue now"),
            # The table's names: one name per figure (the chart's axis says %).
            _("On-time rate"),
            _("Follow-up satisfaction"),
        ],
    }
    context = {
        "parent": parent,
        "rows": rows,
        "chart": chart,
        "drill": [u for u in units if u.level < Unit.Level.BEAT],
    }
    return render(request, "findings/stats.html", context)


@login_required
def department(request: HttpRequest) -> HttpResponse:
    """A department researcher's read-only list of the findings routed to the department."""
    user = request.user
    if user.role != Role.RESEARCHER:
        raise Http404
    page = paginate(request, selectors.department_findings(user))
    return render(request, "findings/department.html", {"page": page})


# ---- co-handling referrals -----------------------------------------------------------------


@login_required
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    """Refer the finding to a co-handling body (the finding stays open)."""
    user = request.user
    finding = access.get_finding_for_user(user, pk)
    form = ReferralForm(request.POST, prefix="refer")
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _flat(form)})
        return redirect("findings:detail", pk=pk)
    try:
        finding_refer(finding=finding, actor=user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("Referred. The finding stays open until the police close it."))
    return redirect("findings:detail", pk=pk)


@login_required
@require_POST
def referral_feedback_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the feedback a co-handling body sent back."""
    user = request.user
    referral = access.get_referral_for_user(user, pk)
    form = FeedbackForm(request.POST, prefix=f"fb{referral.pk}")
    if not form.is_valid():
        messages.error(request, _("Check the form: %(errors)s") % {"errors": _flat(form)})
    else:
        try:
            referral_feedback(referral=referral, actor=user, feedback=form.cleaned_data["feedback"])
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            messages.success(request, _("Saved."))
    return redirect("findings:detail", pk=referral.finding_id)
