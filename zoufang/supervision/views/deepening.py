"""The key-deepening board: proposed targets (the office confirms or sets them aside), the
targets under follow-up with their plan, leader, supervisor and progress, and lifted ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.roles import Role
from zoufang.org.models import User
from zoufang.supervision import access
from zoufang.supervision.models import DeepeningTarget
from zoufang.supervision.selectors import common
from zoufang.supervision.services import deepening as service
from zoufang.supervision.services.weakness import relabel


@login_required
def deepening_board(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    campaign = common.current_campaign()
    targets = list(
        DeepeningTarget.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("unit", "unit__parent", "supervisor")
        .prefetch_related("progress")
    )
    for t in targets:
        t.shown_reasons = relabel(t.reasons)
    return render(
        request,
        "supervision/deepening.html",
        {
            "groups": [
                (label, [t for t in targets if t.state == state])
                for state, label in DeepeningTarget.State.choices
            ],
            "in_phase": service.in_deepening_phase(campaign),
            "may_manage": access.may_manage(request.user),
            "supervisors": User.objects.filter(role=Role.SUPERVISOR, is_active=True),
        },
    )


@login_required
@require_POST
def deepening_propose(request: HttpRequest) -> HttpResponse:
    access.require_manage(request.user)
    try:
        made = service.deepening_propose(campaign=common.current_campaign(), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s units proposed.") % {"n": len(made)})
    return redirect("supervision:deepening")


@login_required
@require_POST
def deepening_act(request: HttpRequest, pk: int) -> HttpResponse:
    target = access.get_deepening_target_for_user(request.user, pk)
    p = request.POST
    action = p.get("action")
    try:
        if action in ("confirm", "dismiss"):
            access.require_manage(request.user)
        if action == "confirm":
            raw = p.get("supervisor", "")
            sup = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            service.deepening_confirm(
                target=target,
                actor=request.user,
                plan=p.get("plan", ""),
                leader=p.get("leader", ""),
                supervisor=sup,
            )
        elif action == "dismiss":
            service.deepening_dismiss(target=target, actor=request.user)
        elif action in ("progress", "lift"):
            if not access.may_add_progress(request.user, target):
                raise PermissionDenied
            if action == "lift":
                access.require_manage(request.user)
            service.deepening_progress_add(
                target=target, actor=request.user, note=p.get("note", ""), lift=action == "lift"
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("supervision:deepening")
