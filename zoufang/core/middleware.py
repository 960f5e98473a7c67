"""Request middleware: the language, and no caching of what a signed-in user gets.

Language: Simplified Chinese unless the user picked another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an officer whose
phone is set to English would get an English UI without asking. Here only the language
cookie (set by the switcher in the page header, Django's set_language view) changes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from zoufang.core.roles import Role


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported or not check_for_language(chosen):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (with Django's other never-cache headers) on every response
    to a signed-in user, a session or a Bearer token: pages, exports and API answers may
    carry personal data, and no browser cache, shared proxy or back button should keep them.
    Static files are served before this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API's TokenAuth sets it for a Bearer call
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class AuditRequiredMiddleware:
    """A sensitive action whose audit entry cannot be written (zoufang.core.audit.record
    raised AuditUnavailable) ends here: 503, saying why, and nothing of the data was sent.

    It also keeps the `auditor` role to the audit trail: an auditor reads the log and nothing
    else (issue 17), whatever page or API operation they ask for; their home is the trail."""

    AUDITOR_PATHS = ("/audit/", "/accounts/", "/i18n/", "/static/", "/help/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "role", "") == Role.AUDITOR:
            if request.path == "/":
                return HttpResponseRedirect(reverse("audit_log"))
            if not request.path.startswith(self.AUDITOR_PATHS):
                return HttpResponseForbidden(
                    _("The auditor role reads the audit trail and nothing else.")
                )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from zoufang.core.audit import AuditUnavailable

        if not isinstance(exception, AuditUnavailable):
            return None
        return HttpResponse(
            _(
                "This action was refused: its audit record could not be written. Nothing was "
                "shown or exported. Try again in a moment; if it keeps happening, tell the "
                "system administrator."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class RefuseNulMiddleware:
    """400, in the user's language, for a request whose query string, form body or JSON body
    carries the NUL character (U+0000). No text anyone types holds it; PostgreSQL cannot store
    it (a query with it fails: a 500 where a clear answer belongs), while SQLite would keep it.
    Django's form fields already refuse it; this covers the API's JSON bodies and the views
    that read a query parameter directly. Multipart bodies (uploads) are left to the forms:
    reading them here would fix the upload handlers before the view chooses them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            message = _("The request contains a NUL character (U+0000), which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "bad_request"}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if "%00" in request.META.get("QUERY_STRING", "") or _holds_nul(dict(request.GET.lists())):
            return True
        kind = request.content_type or ""
        if kind == "application/x-www-form-urlencoded":
            return b"%00" in request.body or b"\x00" in request.body
        if kind == "application/json" or kind.endswith("+json"):
            body = request.body
            if b"\x00" in body:
                return True
            if b"\\u0000" not in body:
                return False
            try:
                return _holds_nul(json.loads(body))
            except ValueError:
                return False  # the API's own parser says it cannot read it
        return False
