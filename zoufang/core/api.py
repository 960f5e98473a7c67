"""API plumbing shared by every router: authentication and the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` for phone clients (keys from POST /api/v1/auth/token)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from zoufang.org.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


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


# Session auth (pages and the interactive docs) requires the CSRF token on unsafe methods.
AUTH = [CookieSessionAuth(), TokenAuth()]


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
