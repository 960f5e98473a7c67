"""Registry pages: lists per beat, record pages with history, import with a progress bar.
Interfaces only: scope, service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zoufang.core.logging import has_personal_number
from zoufang.core.paging import paginate_uncounted, render_results
from zoufang.core.replica import replica_reads
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import xlsx_response
from zoufang.org.access import get_unit_for_user
from zoufang.org.models import Unit
from zoufang.registry import selectors, services
from zoufang.registry.access import (
    audit_access,
    get_import_job_for_user,
    get_person_for_user,
    get_place_for_user,
    import_kinds_for,
    may_edit_registry,
    may_import,
    may_see_full_values,
    may_see_key_persons,
    may_use_imports,
)
from zoufang.registry.crypto import decrypt
from zoufang.registry.forms import (
    HouseholdForm,
    ImportForm,
    KeyItemForm,
    KeyPersonForm,
    OrgForm,
    PersonForm,
    PlaceForm,
    add_service_errors,
)
from zoufang.registry.imports import jobs
from zoufang.registry.imports.specs import template_rows
from zoufang.registry.models import (
    Enterprise,
    Household,
    ImportJob,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
)
from zoufang.registry.sections import sections_for


def post_search(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A list page whose search form posts, so a full ID number or phone typed into it never
    enters a URL (nor so an access log). The posted filters become the request's GET, where
    the page, its pager and htmx's pushed URL read them, except a query holding an ID number
    or phone: that one is searched (request.search_q) but kept out of every URL."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        request.search_q = params.get("q", "").strip()
        if has_personal_number(request.search_q):
            params.pop("q")
        request.GET = params
        response = view(request, *args, **kwargs)
        if request.htmx:
            response["HX-Push-Url"] = f"{request.path}?{params.urlencode()}"
        return response

    return wrapper


def _query(request: HttpRequest) -> str:
    return getattr(request, "search_q", None) or request.GET.get("q", "").strip()


def _unit(request: HttpRequest) -> Unit | None:
    value = request.GET.get("unit", "")
    return get_unit_for_user(request.user, int(value)) if value.isdigit() else None


def _small_scope(user: Any, unit: Unit | None) -> bool:
    """Is the list narrowed to a beat or a station (small enough to count)?"""
    if unit is not None:
        return unit.level >= Unit.Level.STATION
    scope = user_scope(user)
    if scope.path is None:
        return False
    return scope.path.count("/") >= Unit.Level.STATION


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name) == "1"


def _beats(request: HttpRequest):
    return Unit.objects.visible_to(request.user).filter(level=Unit.Level.BEAT).order_by("path")


# The navbar's item (templates/base.html) is translated by this app's catalog.
NAV_LABEL = gettext_lazy("Registry")


def _common(request: HttpRequest, tab: str) -> dict:
    return {
        "tab": tab,
        "unit": _unit(request),
        "beats": _beats(request),
        "can_key": may_see_key_persons(request.user),
        "can_import": may_use_imports(request.user),
    }


def _list_page(request: HttpRequest, template: str, ctx: dict) -> HttpResponse:
    """A list page; to an htmx request (a filter changed), only its results."""
    return render_results(request, template, ctx)


PLACE_HEADERS = ["地址编码", "类别", "名称", "地址", "社区", "户主", "房屋用途", "人户分离"]


@replica_reads
@login_required
@post_search
def place_list(request: HttpRequest) -> HttpResponse:
    ctx = _common(request, "places")
    f = selectors.PlaceFilters(
        kind=request.GET.get("kind", ""),
        q=_query(request),
        beat=ctx["unit"],
        rented=_flag(request, "rented"),
        separated=_flag(request, "separated"),
        key=_flag(request, "key"),
    )
    qs = selectors.place_list(request.user, f)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                p.address_code,
                p.get_kind_display(),
                p.name,
                p.address,
                p.beat.name,
                _householder_name(p),
                p.household.get_use_display() if _has(p, "household") else "",
                "是" if _has(p, "household") and p.household.separated else "",
            ]
            for p in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(request, "places", PLACE_HEADERS, rows, sheet="地址")
    page = paginate_uncounted(request, qs)
    ctx |= {
        "page": page,
        "kinds": Place.Kind.choices,
        # Counted over a beat, or a station's few beats; a county's or the city's registry
        # holds millions of rows, and the page must not scan them (the dashboard has the
        # campaign's figures from its rollups).
        "stats": selectors.registry_stats(request.user, beat=ctx["unit"])
        if _small_scope(request.user, ctx["unit"])
        else None,
    }
    return _list_page(request, "registry/place_list.html", ctx)


def _has(place: Place, rel: str) -> bool:
    try:
        return getattr(place, rel) is not None
    except ObjectDoesNotExist:
        return False


def _householder_name(place: Place) -> str:
    if not _has(place, "household") or place.household.householder is None:
        return ""
    return place.household.householder.name


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request.user, pk)
    household = Household.objects.filter(place=place).select_related("householder").first()
    residents = (
        list(household.residents.select_related("key_record").order_by("relation", "name"))
        if household
        else []
    )
    can_key = may_see_key_persons(request.user, place.unit_path)
    entity = {"dwelling": "household"}.get(place.kind)
    history = list(selectors.history_of(request.user, "place", place.pk)[:50])
    if household:
        history += list(selectors.history_of(request.user, "household", household.pk)[:50])
    org = None
    if place.kind == Place.Kind.SHOP:
        org = getattr(place, "shop", None) if _has(place, "shop") else None
        if org:
            history += list(selectors.history_of(request.user, "shop", org.pk)[:50])
    elif place.kind == Place.Kind.ENTERPRISE:
        org = getattr(place, "enterprise", None) if _has(place, "enterprise") else None
        if org:
            history += list(selectors.history_of(request.user, "enterprise", org.pk)[:50])
    history.sort(key=lambda c: c.created_at, reverse=True)
    context = {
        "place": place,
        "household": household,
        "residents": residents,
        "org": org,
        "key_items": place.key_items.all(),
        "history": history[:100],
        "can_key": can_key,
        "can_edit": may_edit_registry(request.user, place.unit_path),
        "entity": entity,
        "sections": sections_for("place", request, place),
    }
    return render(request, "registry/place_detail.html", context)


PERSON_HEADERS = selectors.PERSON_EXPORT_HEADERS


@replica_reads
@login_required
@post_search
def person_list(request: HttpRequest) -> HttpResponse:
    ctx = _common(request, "persons")
    f = selectors.PersonFilters(
        q=_query(request),
        beat=ctx["unit"],
        separated=_flag(request, "separated"),
        rented=_flag(request, "rented"),
        key=_flag(request, "key"),
        region_unknown=_flag(request, "region_unknown"),
    )
    qs = selectors.person_list(request.user, f)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request,
            "persons",
            PERSON_HEADERS,
            selectors.person_export_rows(qs, full=False),
            sheet="人员",
        )
    ctx |= {"page": paginate_uncounted(request, qs)}
    return _list_page(request, "registry/person_list.html", ctx)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    key_record = None
    if may_see_key_persons(request.user, person.unit_path):
        key_record = KeyPerson.objects.filter(person=person).first()
        if key_record is not None:
            audit_access(user=request.user, obj=key_record, what="key person record")
    context = {
        "person": person,
        "key_record": key_record,
        "can_reveal": may_see_full_values(request.user, person.unit_path),
        "can_edit": may_edit_registry(request.user, person.unit_path),
        "can_key": may_see_key_persons(request.user, person.unit_path),
        "history": selectors.history_of(request.user, "person", person.pk)[:100],
        "sections": sections_for("person", request, person),
    }
    return render(request, "registry/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number and phone of one person, for a role allowed to see them; audited."""
    person = get_person_for_user(request.user, pk)
    if not may_see_full_values(request.user, person.unit_path):
        raise PermissionDenied(_("Your role may not see full ID numbers."))
    audit_access(user=request.user, obj=person, what="full ID number and phone")
    return render(
        request,
        "registry/person_detail.html#identity",
        {
            "person": person,
            "full_id": decrypt(person.id_enc),
            "full_phone": decrypt(person.phone_enc),
        },
    )


@login_required
def key_person_list(request: HttpRequest) -> HttpResponse:
    if not may_see_key_persons(request.user):
        raise Http404
    ctx = _common(request, "key_persons")
    qs = selectors.key_person_list(request.user, beat=ctx["unit"])
    ctx |= {"page": paginate_uncounted(request, qs), "categories": KeyPerson.Category.choices}
    return render(request, "registry/key_person_list.html", ctx)


@replica_reads
@login_required
def org_list(request: HttpRequest, kind: str) -> HttpResponse:
    ctx = _common(request, kind)
    q, key = request.GET.get("q", "").strip(), _flag(request, "key")
    fn = selectors.shop_list if kind == "shops" else selectors.enterprise_list
    qs = fn(request.user, q=q, beat=ctx["unit"], key=key)
    if request.GET.get("export") == "xlsx":
        headers = [
            "名称",
            "统一社会信用代码",
            "地址",
            "负责人",
            "联系电话",
            "重点行业",
            "涉及重点物品",
            "涉及重点人员",
        ]
        rows = (
            [
                o.name,
                o.credit_code,
                o.place.address,
                o.contact_name,
                o.contact_phone_masked,
                o.key_industry,
                o.key_items,
                o.key_persons,
            ]
            for o in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            request, kind, headers, rows, sheet="门店" if kind == "shops" else "单位"
        )
    ctx |= {"page": paginate_uncounted(request, qs), "kind": kind}
    return _list_page(request, "registry/org_list.html", ctx)


@login_required
def key_item_list(request: HttpRequest) -> HttpResponse:
    ctx = _common(request, "key_items")
    ctx |= {
        "page": paginate_uncounted(
            request, selectors.key_item_list(request.user, beat=ctx["unit"])
        ),
        "kinds": KeyItem.Kind.choices,
    }
    return render(request, "registry/key_item_list.html", ctx)


# ---- import ----------------------------------------------------------------------------------


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may_use_imports(user):
        raise PermissionDenied(_("Your role may not import into the registry."))
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_job_create(
                user=user,
                unit=form.cleaned_data["unit"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("registry:import_detail", pk=job.pk)
    ctx = _common(request, "imports") | {
        "form": form,
        "jobs": selectors.import_job_list(user)[:20],
        "kinds": import_kinds_for(user),
    }
    return render(request, "registry/import.html", ctx)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_import_job_for_user(request.user, pk)
    ctx = {
        "job": job,
        "rejections": job.rejections.all()[:200] if job.finished else [],
        "reasons": job.reasons_shown(20),
        "tab": "imports",
    }
    if request.htmx:
        return render(request, "registry/import_detail.html#progress", ctx)
    return render(request, "registry/import_detail.html", ctx)


@replica_reads
@login_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_import_job_for_user(request.user, pk)
    full = may_see_full_values(request.user, job.unit_path)
    # No title row: the rejected rows stay under the file's own header, to fix and import again.
    return xlsx_response(
        request,
        f"import-{job.pk}-rejected",
        jobs.import_report_headers(job),
        jobs.import_report_rows(job, full=full),
        sheet="未导入的行",
        title="",
    )


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_import_job_for_user(request.user, pk)
    if job.status != ImportJob.Status.FAILED:
        messages.info(request, _("Only a failed import can be run again."))
        return redirect("registry:import_detail", pk=job.pk)
    if not may_import(request.user, job.unit, job.kind):
        raise PermissionDenied
    jobs.import_job_retry(job=job)
    return redirect("registry:import_detail", pk=job.pk)


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in dict(import_kinds_for(request.user)):
        raise Http404
    headers, rows = template_rows(kind)
    names = {
        "household": "住户人口",
        "shop": "门店",
        "enterprise": "企事业单位",
        "key_person": "重点人员",
        "key_item": "重点物品",
    }
    # A blank form to fill in and import: no title row.
    return xlsx_response(
        request, f"registry-template-{kind}", headers, rows, sheet=names[kind], title=""
    )


# ---- editing records -------------------------------------------------------------------------


def _editable(request: HttpRequest, obj: Place | Person) -> None:
    """In scope (the getter's 404 already said so) but read-only for this role: 403."""
    if not may_edit_registry(request.user, obj.unit_path):
        raise PermissionDenied(_("Your role may not change the registry."))


def _editable_place(request: HttpRequest, pk: int) -> tuple[Place, str]:
    """The place the user may edit, and its page (where an edit goes back to)."""
    place = get_place_for_user(request.user, pk)
    _editable(request, place)
    return place, reverse("registry:place_detail", args=[place.pk])


def _edit(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[services.Edit], object],
    *,
    title: str,
    back: str,
    danger: str = "",
) -> HttpResponse:
    """The edit page; on a valid POST the service (`save`) runs as the user's manual edit
    and, when it accepts the change, the user goes back to the record page."""
    if request.method == "POST" and form.is_valid():
        try:
            save(services.Edit(request.user))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return render(
        request,
        "registry/edit.html",
        {"form": form, "title": title, "back": back, "danger": danger},
    )


@login_required
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place, back = _editable_place(request, pk)
    form = PlaceForm(request.POST or None, instance=place)
    return _edit(
        request,
        form,
        lambda by: services.place_update(place=place, changes=form.changes(), by=by),
        title=_("Edit the address"),
        back=back,
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place, back = _editable_place(request, pk)
    household = Household.objects.filter(place=place).first()
    if household is None:
        raise Http404
    form = HouseholdForm(request.POST or None, instance=household)
    return _edit(
        request,
        form,
        lambda by: services.household_update(household=household, changes=form.changes(), by=by),
        title=_("Edit the household"),
        back=back,
    )


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place, back = _editable_place(request, pk)
    model = {Place.Kind.SHOP: Shop, Place.Kind.ENTERPRISE: Enterprise}.get(place.kind)
    if model is None:
        raise Http404
    org = model.objects.filter(place=place).first()
    form = OrgForm(request.POST or None, instance=org, model=model)

    def save(by: services.Edit) -> None:
        changes = form.changes()
        if org is None:
            services.org_create(place=place, name=changes.pop("name"), changes=changes, by=by)
        else:
            update = services.shop_update if model is Shop else services.enterprise_update
            update(org, changes, by)

    title = _("Edit the shop") if model is Shop else _("Edit the enterprise or institution")
    return _edit(request, form, save, title=title, back=back)


@login_required
def key_item_new(request: HttpRequest, pk: int) -> HttpResponse:
    place, back = _editable_place(request, pk)
    form = KeyItemForm(request.POST or None)
    return _edit(
        request,
        form,
        lambda by: services.key_item_create(place=place, **form.changes(), by=by),
        title=_("Add a key item"),
        back=back,
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    _editable(request, person)
    full = may_see_full_values(request.user, person.unit_path)
    form = PersonForm(request.POST or None, instance=person, full_values=full)
    return _edit(
        request,
        form,
        lambda by: services.person_save(person=person, changes=form.changes(), by=by),
        title=_("Edit the person"),
        back=reverse("registry:person_detail", args=[person.pk]),
    )


@login_required
def key_person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or clear the key-person record of a person: only for who may see key persons."""
    person = get_person_for_user(request.user, pk)
    if not may_see_key_persons(request.user, person.unit_path):
        raise Http404  # who may not see key persons does not learn that the page exists
    _editable(request, person)
    record = KeyPerson.objects.filter(person=person).first()
    back = reverse("registry:person_detail", args=[person.pk])
    if request.method == "POST" and request.POST.get("clear"):
        services.key_person_clear(person=person, by=services.Edit(request.user))
        messages.success(request, _("No longer a key person."))
        return redirect(back)
    form = KeyPersonForm(request.POST or None, instance=record)
    return _edit(
        request,
        form,
        lambda by: services.key_person_set(person=person, **form.changes(), by=by),
        title=_("Key person"),
        back=back,
        danger=_("No longer a key person") if record else "",
    )
