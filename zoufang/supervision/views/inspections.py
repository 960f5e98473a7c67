"""Cross-inspection pages: the board (pairings and inspections), adjusting and confirming a
pairing (the office), an inspection with its checklist, sample, result and photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.core.scope import subtree_q
from zoufang.findings.models import Finding
from zoufang.org.models import Unit
from zoufang.supervision import access
from zoufang.supervision.models import CrossInspection, CrossPairing, InspectionPhoto
from zoufang.supervision.selectors import common
from zoufang.supervision.services import pairing as pairing_service
from zoufang.supervision.services.inspection import inspection_record
from zoufang.supervision.views.deployment import chosen_unit
from zoufang.visits.models import Visit


@login_required
def inspection_board(request: HttpRequest) -> HttpResponse:
    unit = chosen_unit(request)
    campaign = common.current_campaign()
    inspections = (
        CrossInspection.objects.about_or_by(request.user)
        .filter(campaign=campaign, pairing__state=CrossPairing.State.CONFIRMED)
        .filter(_about(unit))
        .select_related("inspector", "target")
        .order_by("-pairing__created_at", "inspector_path")
    )
    may_manage = access.may_manage(request.user)
    return render(
        request,
        "supervision/inspection_board.html",
        {
            "unit": unit,
            "chain": common.unit_chain(request.user, unit),
            "inspections": inspections[:200],
            "may_manage": may_manage,
            "pairings": CrossPairing.objects.filter(campaign=campaign).select_related("parent")[:20]
            if may_manage
            else [],
            "parents": Unit.objects.filter(level__in=[Unit.Level.CITY, Unit.Level.COUNTY]).order_by(
                "path"
            )
            if may_manage
            else [],
        },
    )


def _about(unit: Unit) -> Q:
    """Inspections of or by a unit inside `unit` (the board's filter)."""
    return subtree_q("unit_path", unit.path) | subtree_q("inspector_path", unit.path)


@login_required
@require_POST
def pairing_generate(request: HttpRequest) -> HttpResponse:
    access.require_manage(request.user)
    campaign = common.current_campaign()
    raw = request.POST.get("parent", "")
    parent = Unit.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if parent is None:
        messages.error(request, _("Choose the units to pair."))
        return redirect("supervision:inspection_board")
    try:
        pairing = pairing_service.pairing_create(
            campaign=campaign, parent=parent, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("supervision:inspection_board")
    messages.success(request, _("A draft pairing was generated: check it, adjust it, confirm it."))
    return redirect("supervision:pairing_detail", pk=pairing.pk)


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = access.get_pairing_for_user(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        access.require_manage(request.user)
        try:
            if request.POST.get("action") == "confirm":
                pairing_service.pairing_confirm(pairing=pairing, actor=request.user)
                messages.success(request, _("The pairing is confirmed; the inspections are open."))
            else:
                mapping = _posted_mapping(request, pairing)
                pairing_service.pairing_adjust(pairing=pairing, mapping=mapping)
                messages.success(
                    request, _("The pairing was adjusted. Confirm it when it is right.")
                )
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("supervision:pairing_detail", pk=pairing.pk)
    return render(
        request,
        "supervision/pairing_detail.html",
        {
            "pairing": pairing,
            "inspections": pairing.inspections.select_related("inspector", "target").order_by(
                "inspector_path"
            ),
            "units": pairing_service.pairing_units(pairing.parent),
            "errors": errors,
            "may_manage": access.may_manage(request.user),
        },
        status=422 if errors else 200,
    )


def _posted_mapping(request: HttpRequest, pairing: CrossPairing) -> dict[int, int]:
    mapping = {}
    for insp in pairing.inspections.all():
        raw = request.POST.get(f"target-{insp.inspector_id}", "")
        if not raw.isdigit():
            raise ValidationError(_("Every unit must inspect exactly one other unit."))
        mapping[insp.inspector_id] = int(raw)
    return mapping


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = access.get_inspection_for_user(request.user, pk)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        try:
            inspection_record(
                inspection=inspection,
                actor=request.user,
                checklist={k: p.get(k) for k in CrossInspection.CHECKLIST},
                result=p.get("result", ""),
                evidence=p.get("evidence", ""),
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("The inspection was recorded."))
            return redirect("supervision:inspection_detail", pk=inspection.pk)
    checklist = [
        (f, CrossInspection._meta.get_field(f).verbose_name, getattr(inspection, f))
        for f in CrossInspection.CHECKLIST
    ]
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "i": inspection,
            "checklist": checklist,
            "visits": Visit.objects.filter(pk__in=inspection.sample_visit_ids).select_related(
                "task", "beat"
            ),
            "findings": Finding.objects.filter(pk__in=inspection.sample_finding_ids).select_related(
                "kind"
            ),
            "photos": inspection.photos.all(),
            "may_record": access.may_record_inspection(request.user, inspection),
            "results": CrossInspection.Result.choices,
            "errors": errors,
            "post": request.POST,
        },
        status=422 if errors else 200,
    )


@login_required
def inspection_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = InspectionPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    access.get_inspection_for_user(request.user, photo.inspection_id)
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)
