"""The daily reports' pages: the list (and the form to generate one on demand), a report's
printable page with the office's highlights and publishing, its PDF and its xlsx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.campaigns.services import request_campaign
from zoufang.core.paging import paginate
from zoufang.core.replica import replica_reads
from zoufang.dashboard import access, reportfiles, reports
from zoufang.dashboard.models import DailyReport
from zoufang.org.models import Unit


def get_report_for_user(user: Any, pk: int) -> DailyReport:
    """404 for a report that does not exist or whose unit lies outside the user's scope."""
    if not access.may_steer(user):
        raise Http404
    report = DailyReport.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _list(request: HttpRequest, form: dict, errors: dict) -> HttpResponse:
    user = request.user
    root = access.dashboard_root(user)
    units = [root, *Unit.objects.filter(parent=root).order_by("sort_order", "code")] if root else []
    qs = DailyReport.objects.visible_to(user).select_related("unit")
    return render(
        request,
        "dashboard/reports.html",
        {"page": paginate(request, qs), "units": units, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@replica_reads
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    if not access.may_steer(request.user):
        raise Http404
    today = timezone.localdate().isoformat()
    return _list(request, {"date_from": today, "date_to": today}, {})


@login_required
@require_POST
def report_new(request: HttpRequest) -> HttpResponse:
    """Generate a report on demand for any unit in scope (404 outside) and date range."""
    unit = access.get_dashboard_unit(request.user, request.POST.get("unit"))
    campaign = request_campaign(request)
    if campaign is None:
        raise Http404
    form = {
        "unit": unit.pk,
        "date_from": request.POST.get("date_from", ""),
        "date_to": request.POST.get("date_to", ""),
    }
    try:
        report = reports.report_create(
            actor=request.user,
            unit=unit,
            campaign=campaign,
            date_from=_day(form["date_from"]),
            date_to=_day(form["date_to"]),
        )
    except ValidationError as exc:
        return _list(request, form, exc.message_dict)
    return redirect("dashboard:report_detail", report.pk)


@replica_reads
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk)
    context = reportfiles.report_context(report)
    context["may_publish"] = reports.may_publish(request.user, report)
    return render(request, "dashboard/report_detail.html", context)


@login_required
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk)
    run_publish_action(
        request,
        refresh=lambda: reports.report_refresh(report=report, actor=request.user),
        save=lambda publish: reports.report_publish(
            report=report,
            actor=request.user,
            highlights=request.POST.get("highlights", ""),
            publish=publish,
        ),
    )
    return redirect("dashboard:report_detail", report.pk)


def run_publish_action(
    request: HttpRequest, *, refresh: Callable[[], object], save: Callable[[bool], object]
) -> None:
    """The office's buttons on a frozen-when-published document (daily report, closing
    summary): recompute, save, or save and publish; a refusal becomes the page's message."""
    action = request.POST.get("action", "save")
    try:
        if action == "refresh":
            refresh()
        else:
            save(action == "publish")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Published.") if action == "publish" else _("Saved."))


def _filename(report: DailyReport, ext: str) -> str:
    return f"daily-report-{report.unit.code}-{report.date_to:%Y%m%d}.{ext}"


@replica_reads
@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk)
    pdf = reportfiles.report_pdf(report)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response


@replica_reads
@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk)
    response = HttpResponse(
        reportfiles.report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
    return response
