"""The office's quiet moderation queue, and a submission as staff read it (the full phone
only for the beat's own people, who call back). Interfaces only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate
from zoufang.outreach import access, selectors
from zoufang.outreach.models import SubmissionKind, SubmissionState
from zoufang.outreach.services.public import submission_decide


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not access.may_moderate(request.user):
        raise PermissionDenied
    state = request.GET.get("state", SubmissionState.HELD)
    kind = request.GET.get("kind", "")
    rows = selectors.submission_list(request.user, state=state, kind=kind)
    return render(
        request,
        "outreach/moderation.html",
        {
            "page": paginate(request, rows),
            "state": state,
            "kind": kind,
            "states": SubmissionState.choices,
            "kinds": SubmissionKind.choices,
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = access.get_submission_for_user(request.user, pk)
    phone = ""
    if sub.contact_phone_sealed and access.sees_phone(request.user, sub):
        from zoufang.registry.crypto import decrypt

        phone = decrypt(sub.contact_phone_sealed)
    return render(
        request,
        "outreach/submission.html",
        {"sub": sub, "phone": phone, "may_moderate": access.may_moderate(request.user)},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    sub = access.get_submission_for_user(request.user, pk, moderate=True)
    try:
        submission_decide(
            submission=sub, actor=request.user, release=request.POST.get("action") == "release"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect("outreach:moderation")


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    sub = access.get_submission_for_user(request.user, pk)
    if not sub.photo:
        raise Http404
    return FileResponse(sub.photo.open("rb"))
