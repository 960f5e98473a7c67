"""The user's own account (issue 17): the two-step login, two-factor enrolment, the password,
API tokens, the login history, and a form kept across an expired session."""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoufang.core.masking import mask_ip
from zoufang.org import access, passwords, services, twofactor
from zoufang.org.middleware import AUTH_AT, NO_DEVICE, SEEN_AT, kept_post_for
from zoufang.org.models import User

PENDING = "zf_pending_login"
PENDING_MAX_SECONDS = 300
HISTORY_ROWS = 20


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def start_session(request: HttpRequest, user: User, device=None) -> None:
    """Sign the user in (Django's login, which axes records), mark the second step passed
    when a device verified it, and start the session clocks."""
    auth_login(request, user, backend=getattr(user, "backend", None))
    if device is not None:
        otp_login(request, device)
    else:
        request.session[NO_DEVICE] = time.time()
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _after_login(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    if request.session.get("zf_kept_post") and _peek_kept(request, user):
        return redirect("account_resume")
    return HttpResponseRedirect(next_url)


def _peek_kept(request: HttpRequest, user: User) -> bool:
    kept = kept_post_for(request, user.get_username())
    if kept is None:
        return False
    request.session["zf_kept_post_ok"] = kept
    return True


class LoginView(auth_views.LoginView):
    """Step one: the password (django-axes counts failures through authenticate()). A user
    with a device goes on to step two; the session is not signed in yet."""

    redirect_authenticated_user = True

    def form_valid(self, form: forms.Form) -> HttpResponse:
        user = form.get_user()
        next_url = _safe_next(self.request, self.get_redirect_url())
        if twofactor.has_device(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": next_url,
            }
            return redirect("login_verify")
        start_session(self.request, user)
        return _after_login(self.request, user, next_url)


def login_verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app or a recovery code. Wrong codes count
    toward the same lockout as wrong passwords."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_MAX_SECONDS:
        request.session.pop(PENDING, None)
        messages.warning(request, _("Enter your username and password again."))
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        from zoufang.core.views import lockout

        request.session.pop(PENDING, None)
        return lockout(request, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING, None)
            user.backend = pending["backend"]
            start_session(request, user, device)
            return _after_login(request, user, pending["next"])
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", _("This code is wrong or was already used. Try the next one."))
    return render(request, "org/account/login_verify.html", {"form": form, "who": user})


# ---- two-factor enrolment ------------------------------------------------------------------


@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the authenticator app: a QR code and the secret, then one code to
    confirm; the recovery codes are shown once."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = twofactor.enrol_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.enrol_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            request.session.pop(NO_DEVICE, None)
            return render(request, "org/account/recovery_codes.html", {"codes": codes})
        form.add_error(
            "code", _("This code does not match. Check the phone's clock and try the next code.")
        )
    return render(
        request,
        "org/account/two_factor_enrol.html",
        {
            "form": form,
            "qr": twofactor.qr_svg(device),
            "secret": twofactor.secret_base32(device),
            "required": user.needs_two_factor,
        },
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "org/account/two_factor.html",
        {
            "enrolled": twofactor.has_device(user),
            "required": user.needs_two_factor,
            "codes_left": twofactor.recovery_codes_left(user),
        },
    )


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    if request.user.needs_two_factor:
        messages.error(request, _("Your role must log in with two factors; it cannot be removed."))
    else:
        twofactor.devices_remove(user=request.user)
        request.session[NO_DEVICE] = time.time()
        messages.success(request, _("Two-factor login is off for your account."))
    return redirect("two_factor")


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    if not twofactor.has_device(request.user):
        return redirect("two_factor")
    codes = twofactor.recovery_codes_renew(user=request.user)
    return render(request, "org/account/recovery_codes.html", {"codes": codes})


# ---- password ------------------------------------------------------------------------------


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        passwords.password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        # This session goes on; every other session and API token of the user has ended.
        update_session_auth_hash(request, request.user)
        messages.success(
            request, _("Your password was changed. Your other sessions and API tokens have ended.")
        )
        return redirect("account_password")
    return render(request, "org/account/password.html", {"form": form})


# ---- API tokens ----------------------------------------------------------------------------


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    rows = access.tokens_visible_to(request.user).order_by("user__username", "-created_at")
    return render(
        request,
        "org/account/tokens.html",
        {"tokens": rows, "others": access.may_manage_tokens_of_others(request.user)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = access.get_token_for_user(request.user, pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token %(prefix)s… was revoked.") % {"prefix": token.prefix})
    return redirect("account_tokens")


# ---- login history -------------------------------------------------------------------------


@login_required
def login_history(request: HttpRequest) -> HttpResponse:
    username = request.user.get_username()
    ok = AccessLog.objects.filter(username=username).order_by("-attempt_time")[:HISTORY_ROWS]
    failed = AccessFailureLog.objects.filter(username=username).order_by("-attempt_time")[
        :HISTORY_ROWS
    ]
    rows = sorted(
        [(row.attempt_time, row.ip_address, row.user_agent, True) for row in ok]
        + [(row.attempt_time, row.ip_address, row.user_agent, False) for row in failed],
        key=lambda r: r[0],
        reverse=True,
    )[:HISTORY_ROWS]
    history = [
        {"at": at, "ip": mask_ip(ip), "agent": (agent or "")[:120], "ok": ok}
        for at, ip, agent, ok in rows
    ]
    return render(request, "org/account/history.html", {"history": history})


# ---- a form kept across an expired session -------------------------------------------------


@login_required
def resume(request: HttpRequest) -> HttpResponse:
    """Offer the form that arrived after the session had ended: the same fields, posted to the
    same page with this session's CSRF token, when the user presses send."""
    kept = request.session.pop("zf_kept_post_ok", None)
    if not kept or kept.get("user") != request.user.get_username():
        return redirect("home")
    return render(request, "org/account/resume.html", {"kept": kept})
