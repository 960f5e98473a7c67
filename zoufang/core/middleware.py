"""Request middleware: the language, and no caching of what a signed-in user gets.

Language: Simplified Chinese unless the user picked another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an officer whose
phone is set to English would get an English UI without asking. Here only the language
cookie (set by the switcher in the page header, Django's set_language view) changes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import check_for_language


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
