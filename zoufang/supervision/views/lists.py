"""Commendation and accountability lists: propose, edit, confirm, publish; the printable
通报 page and the xlsx export. A unit sees published lists, and only its own entries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.replica import replica_reads
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.supervision import access
from zoufang.supervision.models import HonourEntry, HonourList
from zoufang.supervision.selectors import common
from zoufang.supervision.services import honours


@login_required
def honour_lists(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    campaign = common.current_campaign()
    qs = HonourList.objects.filter(campaign=campaign)
    if not user_scope(request.user).everything:
        qs = qs.filter(state=HonourList.State.PUBLISHED)
    return render(
        request,
        "supervision/honour_lists.html",
        {
            "lists": qs[:50],
            "may_manage": access.may_manage(request.user),
            "kinds": HonourList.Kind.choices,
        },
    )


@login_required
@require_POST
def honour_propose(request: HttpRequest) -> HttpResponse:
    access.require_manage(request.user)
    try:
        lst = honours.honour_propose(
            campaign=common.current_campaign(),
            kind=request.POST.get("kind", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("supervision:honour_lists")
    return redirect("supervision:honour_detail", pk=lst.pk)


def _entries(request: HttpRequest, lst: HonourList):  # type: ignore[no-untyped-def]
    return (
        HonourEntry.objects.filter(honour_list=lst)
        .visible_to(request.user)
        .select_related("unit", "personnel")
    )


@replica_reads
@login_required
def honour_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lst = access.get_honour_list_for_user(request.user, pk)
    entries = _entries(request, lst)
    if request.GET.get("export") == "xlsx":
        headers = [_("No."), _("Name"), _("Unit"), _("Reason"), _("Evidence")]
        rows = ([e.order, e.name, e.unit_name, e.reason, e.evidence] for e in entries)
        return xlsx_response(request, f"list-{lst.pk}", headers, rows, sheet=lst.get_kind_display())
    template = (
        "supervision/honour_print.html"
        if request.GET.get("print")
        else "supervision/honour_detail.html"
    )
    return render(
        request,
        template,
        {
            "lst": lst,
            "entries": entries,
            "events": lst.events.select_related("actor")
            if user_scope(request.user).everything
            else [],
            "may_manage": access.may_manage(request.user),
        },
    )


@login_required
@require_POST
def honour_act(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_manage(request.user)
    lst = access.get_honour_list_for_user(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            honours.honour_confirm(honour_list=lst, actor=request.user)
        elif action == "publish":
            honours.honour_publish(honour_list=lst, actor=request.user)
        elif action in ("edit", "remove"):
            raw = request.POST.get("entry", "")
            entry = access.get_honour_entry_for_user(request.user, int(raw) if raw.isdigit() else 0)
            if entry.honour_list_id != lst.pk:
                raise ValidationError(_("That entry is not on this list."))
            if action == "remove":
                honours.honour_entry_remove(entry=entry, actor=request.user)
            else:
                honours.honour_entry_edit(
                    entry=entry,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    evidence=request.POST.get("evidence", ""),
                )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("supervision:honour_detail", pk=lst.pk)
