"""The installable app's plumbing: the service worker at the root scope, the web app
manifest, the user's list of pages to keep, a reachability probe, the outbox page (待发送)
and a logout that tells the browser to wipe what it holds for this site."""

from __future__ import annotations

import json

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zoufang.offline import registry


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """`/sw.js`: served from the root so that its scope covers every page."""
    template = get_template("offline/sw.js")
    entries = registry.precache_entries()
    context = {
        "precache": json.dumps(entries),
        "workbox_prefix": static("vendor/workbox/").rstrip("/"),
        "workbox_sw": static("vendor/workbox/workbox-sw.js"),
        "idb": static("vendor/idb/idb.umd.js"),
        "store": static("offline/store.js"),
        "fallback": "/offline/fallback/",
    }
    context["version"] = registry.sw_version(template.template.source, entries)
    response = HttpResponse(
        template.render(context), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on every navigation; never from an HTTP cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """`/manifest.webmanifest`: what an installed app is called and how it opens."""
    body = {
        "name": _("Zoufang — big visit, big inspection, big research"),
        "short_name": _("Zoufang"),
        "start_url": "/visits/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d3557",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("offline/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("offline/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("offline/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )


@never_cache
def ping(request: HttpRequest) -> HttpResponse:
    """Is the server reachable and the session alive? 204, or 401 when signed out. The form
    scripts ask before sending a form the usual way; no answer means "save it on the phone"."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "signed out", "code": "unauthenticated"}, status=401)
    return HttpResponse(status=204)


@never_cache
@login_required
def pages(request: HttpRequest) -> JsonResponse:
    """The pages this user's phone keeps for offline reading (the apps' lists)."""
    return JsonResponse(
        {"user": str(request.user.pk), "pages": registry.offline_pages(request.user)}
    )


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """待发送: the records waiting on this phone, conflicts and refusals (drawn by outbox.js
    from the phone's store; the server knows only their number)."""
    return render(request, "offline/outbox.html")


def fallback(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page that was not kept and cannot be loaded. It holds
    no personal data (precached for every user)."""
    return render(request, "offline/fallback.html")


class LogoutView(auth_views.LogoutView):
    """Django's logout, plus Clear-Site-Data: the browser drops this site's caches and
    storage (the phone's queue, kept pages and key, the service worker) even when the page's
    own clean-up could not run."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
