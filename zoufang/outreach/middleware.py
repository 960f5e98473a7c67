"""The public host serves only the public page: a request whose host is one of
OUTREACH_PUBLIC_HOSTS is resolved against `config.urls_public` (the public routes, static files,
the health check), so no staff route, login, admin or API can be reached through it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PublicHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hosts = getattr(settings, "OUTREACH_PUBLIC_HOSTS", ())
        if hosts and request.get_host().split(":")[0].lower() in hosts:
            request.urlconf = "config.urls_public"
            request.is_public_host = True
        return self.get_response(request)
