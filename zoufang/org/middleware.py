"""Session timeouts and the two-factor requirement (issue 17; decisions 0045, 0046).

SessionTimeoutMiddleware signs a session out SESSION_IDLE_MINUTES after its last request and
SESSION_MAX_HOURS after its login. A form posted to a page after that is not lost: its fields
are kept, signed and tied to the username, in the fresh session, and offered again (with a new
CSRF token) once the same user has logged in (org.account_views.resume). The offline app's
calls (JSON) get the plain 401/403 they always had: the phone keeps its queue and sends it
after the login.

TwoFactorRequiredMiddleware keeps a signed-in session that has not passed the second step
away from every page: users of TWO_FACTOR_ROLES without a device go to the enrolment page;
a user with a device whose session was not verified is signed out."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

AUTH_AT = "zf_auth_at"
SEEN_AT = "zf_seen_at"
KEPT_POST = "zf_kept_post"
NO_DEVICE = "zf_no_device"
KEPT_SALT = "zoufang.org.kept_post"
# A kept form is offered for this long after the session ended.
KEPT_MAX_AGE = 24 * 3600
_SEEN_EVERY = 60  # seconds: the idle clock is written at most once a minute
# A session without a device looks again this often (a device enrolled in another session
# then ends this one within a minute).
_NO_DEVICE_RECHECK = 60


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.path.startswith(("/api/", "/offline/"))
        or "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
    )


def keep_post(request: HttpRequest, username: str) -> str | None:
    """The posted fields (no files, no CSRF token) signed for `username`, or None."""
    fields = [
        (k, v) for k, values in request.POST.lists() for v in values if k != "csrfmiddlewaretoken"
    ]
    if not fields:
        return None
    return signing.dumps(
        {"user": username, "path": request.path, "fields": fields, "files": bool(request.FILES)},
        salt=KEPT_SALT,
        compress=True,
    )


def kept_post_for(request: HttpRequest, username: str) -> dict | None:
    """The form kept for this user in this session (removed from it), or None."""
    blob = request.session.pop(KEPT_POST, None)
    if not blob:
        return None
    try:
        kept = signing.loads(blob, salt=KEPT_SALT, max_age=KEPT_MAX_AGE)
    except signing.BadSignature:
        return None
    path = str(kept.get("path", ""))
    if kept.get("user") != username or not path.startswith("/") or path.startswith("//"):
        return None
    return kept


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session and request.user.is_authenticated:
            now = time.time()
            auth_at = session.setdefault(AUTH_AT, now)
            seen = session.get(SEEN_AT, now)
            idle = now - seen > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - auth_at > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                return self._expired(request)
            if now - seen >= _SEEN_EVERY or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _expired(self, request: HttpRequest) -> HttpResponse:
        username = request.user.get_username()
        kept = None
        if request.method == "POST" and not _wants_json(request):
            kept = keep_post(request, username)
        logout(request)
        if _wants_json(request):
            # The view answers as to anyone signed out (401/403): the offline app keeps its
            # queue and asks for a login.
            return self.get_response(request)
        if kept:
            request.session[KEPT_POST] = kept
        messages.warning(
            request,
            _(
                "Your session ended; log in again. What you were sending is kept and offered after the login."
            )
            if kept
            else _("Your session ended; log in again."),
        )
        back = request.get_full_path() if request.method == "GET" else request.path
        login_url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': back})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("login"),
        reverse("login_verify"),
        reverse("logout"),
        reverse("two_factor_enrol"),
        "/i18n/",
        "/static/",
        "/help/",
        "/healthz",
        "/sw.js",
        "/manifest.webmanifest",
        "/p/",
    )


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and SESSION_KEY in request.session
            and not user.is_verified()
            and not request.path.startswith(_open_paths())
        ):
            refused = self._refuse(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, user) -> HttpResponse | None:
        from zoufang.org import twofactor

        checked = request.session.get(NO_DEVICE)
        if checked and not user.needs_two_factor and time.time() - checked < _NO_DEVICE_RECHECK:
            return None  # no device a moment ago: spare the query on every request
        if twofactor.has_device(user):
            # A session that skipped the code (the device came later, or an old session).
            logout(request)
            if _wants_json(request):
                return JsonResponse(
                    {"detail": _("Log in again with your code."), "code": "unauthenticated"},
                    status=401,
                )
            return HttpResponseRedirect(reverse("login"))
        if not user.needs_two_factor:
            request.session[NO_DEVICE] = time.time()
            return None
        if _wants_json(request):
            return JsonResponse(
                {
                    "detail": _("Set up two-factor login first (your account page)."),
                    "code": "two_factor_required",
                },
                status=403,
            )
        return HttpResponseRedirect(reverse("two_factor_enrol"))
