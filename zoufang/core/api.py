"""API plumbing shared by every router: session authentication and lazy list pages. (Bearer
tokens are org's: `zoufang.org.api.TokenAuth`; config/api.py puts the two together.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth


class CookieSessionAuth(SessionAuth):
    """Session auth whose CSRF check applies only when a session cookie is sent. Ninja's own
    checks CSRF before looking at the cookie, so a phone's cookie-less POST with a valid
    Bearer token was refused 403 before TokenAuth was tried. Without the cookie there is no
    session to ride on, so there is nothing for CSRF to protect."""

    def _get_key(self, request: HttpRequest) -> Any:
        from django.conf import settings

        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)


class LazyMap:
    """A sliceable view of a queryset that converts rows only after pagination slices them,
    so a page of an API list converts 50 rows, not the whole list. `fn` turns a row into the
    response dict."""

    def __init__(self, qs: Any, fn: Callable[[Any], Any]) -> None:
        self.qs, self.fn = qs, fn

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, slice):
            return [self.fn(x) for x in self.qs[item]]
        return self.fn(self.qs[item])
