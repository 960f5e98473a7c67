"""The notifications page and the bell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate, render_results
from zoufang.notifications import services
from zoufang.notifications.models import Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user)
    if request.GET.get("unread") == "1":
        qs = qs.unread()
    page = paginate(request, qs)
    return render_results(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": request.GET.get("unread") == "1"},
    )


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    return render(
        request, "notifications/badge.html", {"count": services.unread_count(request.user)}
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and follow the link (only a link on this site)."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(user=request.user, pk=note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    return redirect("notifications:list")
