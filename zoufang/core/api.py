"""API plumbing shared by every router: authentication and the one error shape."""

from __future__ import annotations

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


# Session auth (pages and the interactive docs) requires the CSRF token on unsafe methods.
AUTH = [SessionAuth(), TokenAuth()]
