"""The 帮助 pages: the user guide per role (zoufang/home/manual.py). Open without a login, so
that someone who cannot sign in can read how to; the guides hold no personal data."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zoufang.home import manual


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    """The list of guides; a signed-in user's own guide comes first and opens below it."""
    role = getattr(request.user, "role", None) if request.user.is_authenticated else None
    own = manual.guide_for_role(role)
    guides = sorted(manual.GUIDES, key=lambda g: g is not own)
    return render(
        request,
        "home/help.html",
        {"guides": guides, "guide": own, "body": manual.render(own.slug) if own else ""},
    )


@require_GET
def help_guide(request: HttpRequest, slug: str) -> HttpResponse:
    guide = manual.BY_SLUG.get(slug)
    if guide is None:
        raise Http404
    context = {"guides": manual.GUIDES, "guide": guide, "body": manual.render(slug)}
    return render(request, "home/help.html", context)


@require_GET
def help_image(request: HttpRequest, name: str) -> FileResponse:
    path = manual.image_path(name)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")
