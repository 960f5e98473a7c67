"""Patrol pages: the queue (and its xlsx), a flag's evidence and decision, the rules, running
the patrol now with its progress, the rectification notices. Interfaces only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate
from zoufang.core.replica import replica_reads
from zoufang.core.xlsx import xlsx_response
from zoufang.org.access import get_unit_for_user
from zoufang.patrol import access, selectors
from zoufang.patrol.models import FlagState, NoticeState, PatrolRun, RuleKind
from zoufang.patrol.rules import KINDS
from zoufang.patrol.services.decide import (
    flag_decide,
    notice_recheck,
    notice_reply,
    rule_update,
)
from zoufang.patrol.services.run import rules_ensure
from zoufang.patrol.tasks import patrol_run_task
from zoufang.patrol.trend import BY, flag_trend


def _campaign(request: HttpRequest):  # type: ignore[no-untyped-def]
    campaign = request.campaign()
    if campaign is None:
        raise Http404
    return campaign


def _filters(request: HttpRequest) -> selectors.QueueFilters:
    g = request.GET
    unit = get_unit_for_user(request.user, int(g["unit"])) if g.get("unit", "").isdigit() else None
    return selectors.QueueFilters(
        rule=g.get("rule", "") if g.get("rule") in RuleKind.values else "",
        state=g.get("state", "") if g.get("state") in FlagState.values else "",
        unit=unit,
    )


QUEUE_HEADERS = [
    gettext_noop("Raised"),
    gettext_noop("Rule"),
    gettext_noop("What was found"),
    gettext_noop("Unit"),
    gettext_noop("Team"),
    gettext_noop("State"),
    gettext_noop("Decided"),
    gettext_noop("Comment"),
]


@replica_reads
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not access.may_see_queue(request.user):
        raise PermissionDenied
    campaign = _campaign(request)
    filters = _filters(request)
    flags = selectors.flag_list(request.user, campaign, filters)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                f.created_at,
                f.rule.get_kind_display(),
                f.summary,
                f.unit.name,
                f.team.name if f.team else "",
                f.get_state_display(),
                f.decided_at,
                f.comment,
            ]
            for f in flags.iterator(chunk_size=2000)
        )
        return xlsx_response(
            request, "patrol-flags", [_(h) for h in QUEUE_HEADERS], rows, sheet=_("Online patrol")
        )
    by = request.GET.get("trend", "rule")
    by = by if by in BY else "rule"
    if request.GET.get("export") == "trend":
        t = flag_trend(request.user, campaign, by=by, root=filters.unit, state=filters.state)
        return xlsx_response(
            request,
            f"patrol-trend-{by}",
            [_("Day"), *(s.name for s in t.series)],
            t.rows(),
            sheet=_("Flags over time"),
        )
    context = {
        "page": paginate(request, flags),
        "filters": filters,
        "counts": selectors.flag_state_counts(request.user, campaign),
        "rules": RuleKind.choices,
        "states": FlagState.choices,
        "run": PatrolRun.objects.filter(campaign=campaign).first(),
        "may_run": access.may_decide(request.user),
    }
    if request.htmx:
        return render(request, "patrol/queue.html#results", context)
    t = flag_trend(request.user, campaign, by=by, root=filters.unit, state=filters.state)
    context["trend"] = t
    context["trend_data"] = {
        "days": [d.isoformat() for d in t.days],
        "series": [{"name": s.name, "counts": s.counts} for s in t.series],
    }
    return render(request, "patrol/queue.html", context)


@replica_reads
@login_required
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flag = access.get_flag_for_user(request.user, pk)
    context = {
        "flag": flag,
        "evidence": selectors.flag_evidence(flag, request.user),
        "notice": getattr(flag, "notice", None),
        "may_decide": access.may_decide(request.user) and flag.state == FlagState.OPEN,
        "default_deadline": timezone.localdate() + dt.timedelta(days=7),
        "events": flag.events.select_related("actor"),
    }
    return render(request, "patrol/flag_detail.html", context)


@login_required
@require_POST
def flag_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    flag = access.get_flag_for_user(request.user, pk, decide=True)
    deadline = None
    if request.POST.get("deadline"):
        try:
            deadline = dt.date.fromisoformat(request.POST["deadline"])
        except ValueError:
            messages.error(request, _("Enter the deadline as a date."))
            return redirect("patrol:flag_detail", pk=flag.pk)
    try:
        flag_decide(
            actor=request.user,
            flag=flag,
            confirm=request.POST.get("decision") == "confirm",
            comment=request.POST.get("comment", ""),
            deadline=deadline,
            requirement=request.POST.get("requirement", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("patrol:flag_detail", pk=flag.pk)


@replica_reads
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    if not access.may_see_queue(request.user):
        raise PermissionDenied
    campaign = _campaign(request)
    rules_ensure(campaign)
    rules = selectors.rule_list(campaign)
    for r in rules:
        spec = KINDS[r.kind].params
        r.fields = [
            (name, p, _shown(r.params.get(name, p.default)), p.kind is list)
            for name, p in spec.items()
        ]
    context = {"rules": rules, "may_edit": access.may_edit_rules(request.user)}
    return render(request, "patrol/rules.html", context)


def _shown(value: object) -> object:
    return "\n".join(map(str, value)) if isinstance(value, list) else value


@login_required
@require_POST
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = access.get_rule_for_user(request.user, pk)
    params = {name: request.POST.get(name, "") for name in KINDS[rule.kind].params}
    try:
        rule_update(
            actor=request.user, rule=rule, enabled=bool(request.POST.get("enabled")), params=params
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"{rule.get_kind_display()}: {message}")
    else:
        messages.success(request, _("Rule saved: %(rule)s") % {"rule": rule.get_kind_display()})
    return redirect("patrol:rules")


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    if not access.may_decide(request.user):
        raise PermissionDenied
    campaign = _campaign(request)
    run = PatrolRun.objects.create(campaign=campaign, started_by=request.user)
    transaction.on_commit(lambda: patrol_run_task.delay(run.pk))
    return redirect("patrol:queue")


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.may_decide(request.user):
        raise PermissionDenied
    run = get_object_or_404(PatrolRun, pk=pk)
    return render(request, "patrol/_run.html", {"run": run})


@replica_reads
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    state = request.GET.get("state", "")
    notices = selectors.notice_list(
        request.user, campaign, state if state in NoticeState.values else ""
    )
    context = {"page": paginate(request, notices), "state": state, "states": NoticeState.choices}
    return render(request, "patrol/notices.html", context)


@replica_reads
@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.get_notice_for_user(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reply":
                notice_reply(actor=request.user, notice=notice, text=request.POST.get("reply", ""))
            else:
                notice_recheck(
                    actor=request.user,
                    notice=notice,
                    close=request.POST.get("action") == "close",
                    note=request.POST.get("note", ""),
                )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
        return redirect("patrol:notice_detail", pk=notice.pk)
    context = {
        "notice": notice,
        "flag": notice.flag,
        "events": notice.events.select_related("actor"),
        "may_reply": access.may_reply(request.user, notice) and notice.state == NoticeState.OPEN,
        "may_recheck": access.may_decide(request.user) and notice.state == NoticeState.REPLIED,
    }
    return render(request, "patrol/notice_detail.html", context)
