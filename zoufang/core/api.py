"""API plumbing shared by every router: session authentication, the error shape, bounded
integers, list pagination and lazy list pages. (Bearer tokens are org's:
`zoufang.org.api.TokenAuth`; config/api.py puts the two together.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from ninja.security import SessionAuth
from ninja.utils import check_csrf

# Integers the database can hold. Without a bound, `?limit=9223372036854775808` reached
# PostgreSQL and came back as a 500; with one it is a 422 that names the parameter.
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
# A row id (BigAutoField): path ids, filters and ids in request bodies.
Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
# A count or small number a person types (leaflets, version, GPS accuracy, level).
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
# The same bounds for optional query filters (`?unit=`), as defaults: `unit: int | None =
# ID_FILTER`. (An `Id | None` annotation cannot be used on a @paginate'd view: ninja resolves
# its string annotations in the decorator's module, where `Id` is unknown.)
ID_FILTER = Query(None, ge=1, le=INT64_MAX)
COUNT_FILTER = Query(None, ge=0, le=INT32_MAX)


class ErrorOut(Schema):
    """Every 4xx answer: `detail` is a sentence in the user's language (a list of field
    errors for 422), `code` a stable word a client can branch on."""

    detail: Any = Field(description="a message, or for 422 the list of field errors")
    code: str = Field(
        description="bad_request, unauthenticated, forbidden, not_found, conflict, changed, "
        "invalid, invalid_input, locked"
    )
    existing: Any = Field(
        None,
        description="409 only, when the caller may see it: the record the server already "
        "holds under the client UUID",
    )


def responses(ok: Any, *errors: int) -> dict[int, Any]:
    """An operation's documented answers: `ok` (a schema for 200, or a {status: schema}
    dict) and the error statuses it can return, each with the ErrorOut shape."""
    out: dict[int, Any] = dict(ok) if isinstance(ok, dict) else {200: ok}
    out.update({status: ErrorOut for status in errors})
    return out


class BoundedLimitOffset(LimitOffsetPagination):
    """Ninja's limit/offset pagination with both ends bounded (ninja leaves `offset`
    unbounded, and offset + limit past int64 is a database error)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=INT32_MAX)


class CookieSessionAuth(SessionAuth):
    """Session auth for the pages' own API calls and the interactive docs.

    - CSRF applies only when a session cookie is sent: without it there is no session to
      ride on (ninja's own check ran first, so a phone's cookie-less POST with a valid
      Bearer token was refused 403 before TokenAuth was tried).
    - A request that carries `Authorization: Bearer …` is judged by its token alone: a stray
      `sessionid` cookie next to a valid token made the POST fail the CSRF check.
    - The CSRF refusal speaks the user's language."""

    def _get_key(self, request: HttpRequest) -> Any:
        from django.conf import settings

        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403,
                _(
                    "The form's security token is missing or expired: reload "
                    "the page and try again."
                ),
            )
        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)


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
