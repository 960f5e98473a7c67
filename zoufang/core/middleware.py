"""Request middleware: the language, and no caching of what a signed-in user gets.

Language: Simplified Chinese unless the user picked another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an officer whose
phone is set to English would get an English UI without asking. Here only the language
cookie (set by the switcher in the page header, Django's set_language view) changes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
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
