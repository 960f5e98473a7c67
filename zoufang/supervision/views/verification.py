"""On-site verification pages: the task list (phone-first), recording a verification, drawing
a sample (the office), auditing a draw from its seed, and the xlsx export."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.core.paging import paginate
from zoufang.core.replica import replica_reads
from zoufang.core.xlsx import xlsx_response
from zoufang.supervision import access
from zoufang.supervision.models import VerificationSample, VerificationTask
from zoufang.supervision.selectors import common
from zoufang.supervision.selectors import verification as selectors
from zoufang.supervision.services import sampling
from zoufang.supervision.services.config import settings_for
from zoufang.supervision.services.verification import verification_record
from zoufang.supervision.views.deployment import chosen_unit

HEADERS = [
    gettext_noop("Beat"),
    gettext_noop("Address"),
    gettext_noop("Visit date"),
    gettext_noop("State"),
    gettext_noop("Method"),
    gettext_noop("The visit happened"),
    gettext_noop("The facts are right"),
    gettext_noop("Resident satisfaction"),
    gettext_noop("Supervisor"),
    gettext_noop("Note"),
]


@replica_reads
@login_required
def verification_list(request: HttpRequest) -> HttpResponse:
    unit = chosen_unit(request)
    campaign = common.current_campaign()
    qs = selectors.task_list(
        request.user, campaign=campaign, unit=unit, state=request.GET.get("state", "")
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request,
            f"verification-{unit.code}",
            [_(h) for h in HEADERS],
            _rows(qs),
            sheet=_("Verification"),
        )
    conf = settings_for(campaign)
    return render(
        request,
        "supervision/verification_list.html",
        {
            "unit": unit,
            "chain": common.unit_chain(request.user, unit),
            "mine": selectors.my_open_tasks(request.user, campaign=campaign),
            "rates": selectors.rates(request.user, campaign=campaign, unit=unit),
            "page": paginate(request, qs),
            "state": request.GET.get("state", ""),
            "may_manage": access.may_manage(request.user),
            "samples": selectors.samples(campaign) if access.may_manage(request.user) else [],
            "conf": conf,
        },
    )


def _rows(qs):  # type: ignore[no-untyped-def]
    for t in qs.iterator(chunk_size=1000):
        yield [
            t.beat.name,
            t.visit.task.address,
            t.visit.started_at,
            t.get_state_display(),
            t.get_method_display(),
            t.happened,
            t.facts_right,
            t.get_satisfaction_display(),
            t.supervisor.display_name if t.supervisor else "",
            t.note,
        ]


@login_required
def verification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = access.get_verification_task_for_user(request.user, pk)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        try:
            verification_record(
                task=task,
                actor=request.user,
                method=p.get("method", ""),
                happened=p.get("happened"),
                facts_right=p.get("facts_right"),
                satisfaction=p.get("satisfaction", ""),
                note=p.get("note", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Verification recorded."))
            return redirect("supervision:verification_list")
    return render(
        request,
        "supervision/verification_detail.html",
        {
            "task": task,
            "visit": task.visit,
            "may_verify": access.may_verify(request.user, task),
            "own_unit": access.is_supervisor(request.user)
            and access.verifies_own_unit(request.user, task.unit_path),
            "errors": errors,
            "post": request.POST,
            "methods": VerificationTask.Method.choices,
            "satisfactions": VerificationTask.Satisfaction.choices,
        },
        status=422 if errors else 200,
    )


def _decimal(raw: str) -> Decimal:
    try:
        return Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError(_("The percentage must be a number.")) from None


@login_required
@require_POST
def sample_draw(request: HttpRequest) -> HttpResponse:
    access.require_manage(request.user)
    campaign = common.current_campaign()
    p = request.POST
    try:
        percent = _decimal(p.get("percent", ""))
        minimum = p.get("minimum", "").strip()
        if not (Decimal("0.1") <= percent <= 100):
            raise ValidationError(_("The percentage must be between 0.1 and 100."))
        if not minimum.isdigit() or int(minimum) > 500:
            raise ValidationError(_("The minimum per station is a whole number from 0 to 500."))
        sample = sampling.sample_create(
            campaign=campaign,
            actor=request.user,
            percent=percent,
            minimum=int(minimum),
            take_all_when_short=p.get("take_all") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Drew %(size)s of %(population)s completed visits (seed %(seed)s).")
            % {"size": sample.size, "population": sample.population, "seed": sample.seed},
        )
    return redirect("supervision:verification_list")


@login_required
def sample_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-draw a sample from its recorded seed and compare with the tasks it made."""
    access.require_manage(request.user)
    sample = get_object_or_404(VerificationSample.objects.select_related("campaign"), pk=pk)
    redrawn = sampling.sample_redraw(sample)
    recorded = sorted(sample.tasks.values_list("visit_id", flat=True))
    return render(
        request,
        "supervision/sample_audit.html",
        {
            "sample": sample,
            "matches": redrawn == recorded,
            "redrawn": len(redrawn),
            "recorded": len(recorded),
        },
    )
