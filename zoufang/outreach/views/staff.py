"""Staff pages of outreach: the drives with their totals, a drive's events on a timeline,
recording an event, the leaflets' stock and audiences, issuing stock, the leaflet sheets and a
beat's batch, satisfaction per unit. Interfaces only; every read is scoped."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from zoufang.campaigns.models import CatalogItem
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.org.access import get_unit_for_user
from zoufang.org.models import Unit
from zoufang.outreach import access, selectors, sheets
from zoufang.outreach.forms import EventForm, IssueForm
from zoufang.outreach.models import EventPhoto
from zoufang.outreach.services.drives import event_create
from zoufang.outreach.services.leaflets import leaflet_issue
from zoufang.visits.selectors import coverage_root


def _campaign(request: HttpRequest) -> Any:
    campaign = request.campaign()
    if campaign is None:
        raise Http404
    return campaign


def _unit(request: HttpRequest) -> Unit:
    """The unit the page looks at: ?unit=<id> in the user's scope (404 otherwise), else the
    top of the user's scope."""
    if not access.may_see(request.user):
        raise PermissionDenied
    raw = request.GET.get("unit", "")
    if raw.isdigit():
        return get_unit_for_user(request.user, int(raw))
    root = coverage_root(request.user)
    if root is None:
        raise Http404
    return root


def _chain(request: HttpRequest, unit: Unit) -> list[Unit]:
    scope = user_scope(request.user)
    return [u for u in [*unit.ancestors(), unit] if scope.contains(u.path)]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    unit = _unit(request)
    units = selectors.child_units(unit)
    totals = selectors.drive_unit_totals(campaign, units)
    return render(
        request,
        "outreach/index.html",
        {
            "unit": unit,
            "chain": _chain(request, unit),
            "drives": selectors.drive_totals(request.user, campaign, unit),
            "unit_rows": [(u, totals[u.pk]) for u in units if u.pk in totals],
            "may_moderate": access.may_moderate(request.user),
            "held": selectors.held_count(request.user),
        },
    )


@login_required
def drive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request)
    unit = _unit(request)
    drive = get_object_or_404(
        CatalogItem, pk=pk, campaign=campaign, kind=CatalogItem.Kind.DRIVE
    )  # catalog entries are campaign-wide, not scoped
    units = selectors.child_units(unit)
    totals = selectors.drive_unit_totals(campaign, units, drive)
    return render(
        request,
        "outreach/drive.html",
        {
            "drive": drive,
            "unit": unit,
            "chain": _chain(request, unit),
            "events": selectors.drive_events(request.user, drive, unit)[:200],
            "unit_rows": [(u, totals[u.pk]) for u in units],
            "may_moderate": access.may_moderate(request.user),
        },
    )


def _event_form(request: HttpRequest, campaign: Any, data: Any = None) -> EventForm:
    form = EventForm(data, initial={"drive": request.GET.get("drive")})
    form.fields["drive"].choices = [
        (d.pk, d.name) for d in selectors.catalog(campaign, CatalogItem.Kind.DRIVE)
    ]
    units = Unit.objects.visible_to(request.user).order_by("path")[:500]
    form.fields["unit"].choices = [(u.pk, f"{'· ' * (u.level - 1)}{u.name}") for u in units]
    if request.user.unit_id:
        form.fields["unit"].initial = request.user.unit_id
    return form


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    if not access.may_see(request.user):
        raise PermissionDenied
    leaflets = selectors.catalog(campaign, CatalogItem.Kind.LEAFLET)
    form = _event_form(request, campaign, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = get_unit_for_user(request.user, d["unit"])
        drive = get_object_or_404(CatalogItem, pk=d["drive"], campaign=campaign)
        counts = {}
        for item in leaflets:
            raw = request.POST.get(f"leaflet_{item.pk}", "").strip()
            if raw:
                counts[item.pk] = int(raw) if raw.isdigit() else -1
        try:
            event = event_create(
                actor=request.user,
                campaign=campaign,
                drive=drive,
                title=d["title"],
                date=d["date"],
                unit=unit,
                people_reached=d["people_reached"],
                leaflets=counts,
                place_text=d["place_text"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(request, _("The event was recorded."))
            return redirect(reverse("outreach:drive", args=[event.drive_id]) + f"?unit={unit.pk}")
    return render(request, "outreach/event_new.html", {"form": form, "leaflets": leaflets})


@login_required
def event_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = get_object_or_404(EventPhoto, pk=pk)
    access.get_event_for_user(request.user, photo.event_id)
    return FileResponse(photo.image.open("rb"))


STOCK_HEADERS = [
    gettext_noop("Unit"),
    gettext_noop("Leaflet"),
    gettext_noop("Issued"),
    gettext_noop("Handed out on visits"),
    gettext_noop("Handed out at events"),
    gettext_noop("Left"),
    gettext_noop("Low stock"),
]


@login_required
def leaflets(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    unit = _unit(request)
    items = selectors.catalog(campaign, CatalogItem.Kind.LEAFLET)
    units = selectors.child_units(unit)
    stock = selectors.leaflet_stock(campaign, units)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                r.unit.name,
                item.name,
                r.issued.get(item.pk, 0),
                r.by_visits.get(item.pk, 0),
                r.by_events.get(item.pk, 0),
                r.left(item.pk),
                _("Yes") if r.is_low(item.pk) else "",
            ]
            for r in stock
            for item in items
        )
        return xlsx_response(
            request,
            filename="leaflet-stock",
            sheet=_("Leaflet stock"),
            headers=[_(h) for h in STOCK_HEADERS],
            rows=rows,
            title=_("Leaflet stock of %(unit)s") % {"unit": unit.name},
        )
    form = IssueForm()
    form.fields["item"].choices = [(i.pk, i.name) for i in items]
    form.fields["unit"].choices = [
        (u.pk, u.name) for u in [unit, *units] if access.may_issue(request.user, u)
    ]
    audience = selectors.leaflet_audience(campaign, unit)
    return render(
        request,
        "outreach/leaflets.html",
        {
            "unit": unit,
            "chain": _chain(request, unit),
            "items": items,
            "stock": [
                (
                    r,
                    [
                        (r.issued.get(i.pk, 0), r.handed(i.pk), r.left(i.pk), r.is_low(i.pk))
                        for i in items
                    ],
                )
                for r in stock
            ],
            "audience_rows": _audience_rows(items, audience),
            "issue_form": form if form.fields["unit"].choices else None,
            "issues": selectors.issue_list(request.user, campaign, unit)[:20],
            "may_moderate": access.may_moderate(request.user),
            "beat": unit if unit.level == Unit.Level.BEAT else None,
        },
    )


def _audience_rows(items: list[CatalogItem], audience: dict[int, dict[str, int]]) -> list[Any]:
    from zoufang.registry.models import Place
    from zoufang.visits.models import VisitKind

    labels = {
        "household": _("Households"),
        "community": VisitKind.COMMUNITY.label,
        "enterprise": _("Enterprises"),
        "shop": _("Shops"),
        **{f"shop:{k.value}": k.label for k in Place.ShopKind},
        **{
            f"enterprise:{k.value}": f"{_('Enterprises')} · {k.label}"
            for k in Place.EnterpriseCategory
        },
    }
    keys = sorted({k for a in audience.values() for k in a})
    return [
        (str(labels.get(k, k)), [audience.get(i.pk, {}).get(k, 0) for i in items]) for k in keys
    ]


@login_required
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    item = get_object_or_404(
        CatalogItem, pk=request.POST.get("item") or 0, campaign=campaign, kind="leaflet"
    )
    raw_unit = request.POST.get("unit", "")
    unit = get_unit_for_user(request.user, int(raw_unit) if raw_unit.isdigit() else 0)
    try:
        quantity = int(request.POST.get("quantity", "0"))
        leaflet_issue(
            actor=request.user,
            campaign=campaign,
            item=item,
            unit=unit,
            quantity=quantity,
            note=request.POST.get("note", ""),
        )
    except ValueError:
        messages.error(request, _("Enter how many were issued (negative for a return)."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The stock was recorded."))
    return redirect(reverse("outreach:leaflets") + f"?unit={unit.pk}")


def _beat_for_print(request: HttpRequest) -> Unit:
    raw = request.GET.get("beat", "")
    beat = get_unit_for_user(request.user, int(raw) if raw.isdigit() else 0)
    if beat.level != Unit.Level.BEAT or not access.may_print(request.user, beat):
        raise Http404
    return beat


@login_required
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A leaflet's sheet for a beat: ?format=html (preview), pdf (A5) or png (phone)."""
    campaign = _campaign(request)
    item = get_object_or_404(CatalogItem, pk=pk, campaign=campaign, kind="leaflet")
    beat = _beat_for_print(request)
    url = sheets.public_url(beat, request)
    fmt = request.GET.get("format", "html")
    name = f"leaflet-{item.code}-{beat.code}"
    if fmt == "pdf":
        return _file(sheets.sheet_pdf([item], beat, url), "application/pdf", f"{name}.pdf")
    if fmt == "png":
        return _file(sheets.sheet_png(item, beat, url), "image/png", f"{name}.png")
    return HttpResponse(sheets.sheet_html([item], beat, url, inline=False))


@login_required
def batch(request: HttpRequest) -> HttpResponse:
    """Every leaflet of the campaign for one beat, one A5 page each, in one PDF."""
    campaign = _campaign(request)
    beat = _beat_for_print(request)
    items = [i for i in selectors.catalog(campaign, CatalogItem.Kind.LEAFLET) if i.is_active]
    pdf = sheets.sheet_pdf(items, beat, sheets.public_url(beat, request))
    return _file(pdf, "application/pdf", f"leaflets-{beat.code}.pdf")


def _file(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    unit = _unit(request)
    rows = selectors.satisfaction(campaign, selectors.child_units(unit))
    total = selectors.satisfaction(campaign, [unit])[0]
    return render(
        request,
        "outreach/satisfaction.html",
        {
            "unit": unit,
            "chain": _chain(request, unit),
            "rows": rows,
            "total": total,
            "may_moderate": access.may_moderate(request.user),
        },
    )
