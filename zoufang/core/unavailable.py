"""A database that cannot be reached (PostgreSQL restarting, pgbouncer waiting for it) is
answered with 503 and a clear message, never a stack trace or a bare 500 (issue 16 part 6).

Django's `handler500` sees every uncaught exception, wherever it was raised (a view, a
middleware loading the session's user); this one tells the database's absence from a bug.
The page is a plain string: rendering the site's template would ask the same database
(the campaign banner, the bell). The phone's client retries after Retry-After; the app
reconnects by itself on the next request (Django drops an unusable connection)."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.defaults import server_error

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10


def server_error_or_unavailable(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if not isinstance(exc, OperationalError | InterfaceError):
        return server_error(request)
    logger.warning("database unavailable: %s", type(exc).__name__)
    message = _(
        "The database is briefly unavailable (a restart). What you sent was not carried out: "
        "send it again in a few seconds."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "unavailable"}, status=503
        )
    else:
        response = HttpResponse(
            f'<!doctype html><meta charset="utf-8"><title>503</title><p>{escape(message)}</p>',
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
