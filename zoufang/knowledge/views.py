"""Pocket book pages: contents and search, a chapter, an entry, its edit form (office), its
history with the changes of each version. Interfaces only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoufang.knowledge import access, selectors
from zoufang.knowledge.diff import version_diff
from zoufang.knowledge.forms import EntryForm, NewEntryForm
from zoufang.knowledge.models import ENTRY_PARTS, Entry
from zoufang.knowledge.services import (
    EditConflict,
    entry_create,
    entry_save,
    pocketbook_load,
)


def _part_fields() -> list[tuple[str, str]]:
    return [("title", str(Entry._meta.get_field("title").verbose_name))] + [
        (p, str(Entry._meta.get_field(p).verbose_name)) for p in ENTRY_PARTS
    ]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The contents, or the hits of `q` (the list alone for an HTMX request: search as you type)."""
    access.check_read(request.user)
    q = request.GET.get("q", "").strip()
    result = selectors.entry_search(q) if q else None
    context = {
        "q": q,
        "result": result,
        "may_edit": access.may_edit(request.user),
    }
    if request.htmx and q:
        return render(request, "knowledge/index.html#results", context)
    context["chapters"] = selectors.book()
    return render(request, "knowledge/index.html", context)


@login_required
def chapter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = access.get_chapter_for_user(request.user, slug)
    return render(
        request,
        "knowledge/chapter.html",
        {"chapter": chapter, "entries": selectors.chapter_with_entries(chapter)},
    )


@login_required
def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = access.get_entry_for_user(request.user, slug)
    return render(
        request,
        "knowledge/entry.html",
        {"entry": entry, "may_edit": access.may_edit(request.user), "parts": _parts(entry)},
    )


def _parts(entry: Entry) -> list[tuple[str, str, str]]:
    return [(p, str(Entry._meta.get_field(p).verbose_name), getattr(entry, p)) for p in ENTRY_PARTS]


@login_required
def entry_edit(request: HttpRequest, slug: str) -> HttpResponse:
    entry = access.get_entry_for_user(request.user, slug, write=True)
    conflict = None
    if request.method == "POST":
        form = EntryForm(request.POST, instance=Entry.objects.get(pk=entry.pk))
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry_save(
                    entry=entry,
                    data=data,
                    base_version=data["base_version"],
                    actor=request.user,
                    chapter=data["chapter"],
                    note=data["note"],
                )
            except EditConflict as exc:
                conflict = _conflict(exc, form)
            else:
                messages.success(request, _("Saved."))
                return redirect("knowledge:entry", slug=entry.slug)
    else:
        form = EntryForm(instance=entry, initial={"base_version": entry.version})
    return render(
        request, "knowledge/edit.html", {"entry": entry, "form": form, "conflict": conflict}
    )


def _conflict(exc: EditConflict, form: EntryForm) -> dict:
    """What the editor sees when someone saved first: the message, the current text with the
    editor's changes marked against it; the form keeps the editor's text and now names the
    current version, so saving again is a deliberate choice."""
    current = exc.current
    mine = form.instance
    for name in ("title", *ENTRY_PARTS):
        setattr(mine, name, form.cleaned_data[name])
    form.data = form.data.copy()
    form.data["base_version"] = str(current.version)
    form.add_error(None, str(exc))
    return {"current": current, "diff": version_diff(current, mine, _part_fields())}


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    if not access.may_edit(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = NewEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            entry = entry_create(
                chapter=data["chapter"],
                slug=data["slug"],
                data=data,
                actor=request.user,
                note=data["note"],
            )
            messages.success(request, _("Saved."))
            return redirect("knowledge:entry", slug=entry.slug)
    else:
        form = NewEntryForm(initial={"chapter": request.GET.get("chapter")})
    return render(request, "knowledge/edit.html", {"entry": None, "form": form})


@login_required
def entry_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every version, newest first; `?v=N` shows version N with what it changed from N-1."""
    entry = access.get_entry_for_user(request.user, slug)
    versions = list(selectors.entry_versions(entry))
    shown = None
    diff = None
    v = request.GET.get("v", "")
    if v.isdigit():
        shown = get_object_or_404(entry.versions, version=int(v))
        previous = next((x for x in versions if x.version < shown.version), None)
        diff = version_diff(previous, shown, _part_fields())
    return render(
        request,
        "knowledge/history.html",
        {"entry": entry, "versions": versions, "shown": shown, "diff": diff},
    )


@login_required
@require_POST
def load_starter(request: HttpRequest) -> HttpResponse:
    if not access.may_edit(request.user):
        raise PermissionDenied
    result = pocketbook_load(actor=request.user)
    messages.success(
        request,
        _("Starter set loaded: %(created)s entries added, %(kept)s already there.")
        % {"created": result.created, "kept": result.kept},
    )
    return redirect("knowledge:index")
