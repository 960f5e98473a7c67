"""The closing summaries' pages: the list (and generating one for a unit in scope), a
summary's page with the office's lessons learned and publishing, its PDF and its xlsx."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.campaigns.services import request_campaign
from zoufang.core.paging import paginate
from zoufang.dashboard import access, summary, summaryfiles
from zoufang.dashboard.models import ClosingSummary
from zoufang.dashboard.reportviews import run_publish_action
from zoufang.org.models import Unit


def get_summary_for_user(user: Any, pk: int) -> ClosingSummary:
    """404 for a summary that does not exist or whose unit lies outside the user's scope."""
    if not access.may_steer(user):
        raise Http404
    found = (
        ClosingSummary.objects.visible_to(user)
        .select_related("unit", "campaign")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def summary_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.may_steer(user):
        raise Http404
    root = access.dashboard_root(user)
    units = [root, *Unit.objects.filter(parent=root).order_by("sort_order", "code")] if root else []
    qs = ClosingSummary.objects.visible_to(user).select_related("unit", "campaign")
    return render(
        request,
        "dashboard/summaries.html",
        {"page": paginate(request, qs), "units": units, "campaign": request_campaign(request)},
    )


@login_required
@require_POST
def summary_new(request: HttpRequest) -> HttpResponse:
    """Make (or recompute, while a draft) the summary of a unit in scope; 404 outside."""
    unit = access.get_dashboard_unit(request.user, request.POST.get("unit"))
    campaign = request_campaign(request)
    if campaign is None:
        raise Http404
    try:
        made = summary.summary_generate(actor=request.user, unit=unit, campaign=campaign)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("dashboard:summaries")
    return redirect("dashboard:summary_detail", made.pk)


@login_required
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_summary_for_user(request.user, pk)
    context = summaryfiles.summary_context(found)
    context["may_publish"] = summary.may_publish(request.user, found)
    return render(request, "dashboard/summary_detail.html", context)


@login_required
@require_POST
def summary_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_summary_for_user(request.user, pk)

    def refresh() -> None:
        if not summary.may_publish(request.user, found):
            raise PermissionDenied(_("Only the campaign office writes and publishes the summary."))
        summary.summary_generate(actor=request.user, unit=found.unit, campaign=found.campaign)

    run_publish_action(
        request,
        refresh=refresh,
        save=lambda publish: summary.summary_publish(
            summary=found,
            actor=request.user,
            lessons=request.POST.get("lessons", ""),
            publish=publish,
        ),
    )
    return redirect("dashboard:summary_detail", found.pk)


def _filename(found: ClosingSummary, ext: str) -> str:
    return f"closing-summary-{found.unit.code}.{ext}"


@login_required
def summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_summary_for_user(request.user, pk)
    response = HttpResponse(summaryfiles.summary_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "pdf")}"'
    return response


@login_required
def summary_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_summary_for_user(request.user, pk)
    response = HttpResponse(
        summaryfiles.summary_xlsx(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(found, "xlsx")}"'
    return response
