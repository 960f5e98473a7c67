"""The public page (no login, phone first): a beat's page reached from a leaflet's QR code,
its four actions, the status check, the PIPL notice and the city page. Interfaces only: each
POST passes the rate limits (per client address, and per phone where one is given), then the
challenge, then the form, then calls a service. A refusal is calm and stores nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from zoufang.org.models import Unit
from zoufang.outreach import forms, guard
from zoufang.outreach.privacy import NOTICE
from zoufang.outreach.services import public
from zoufang.outreach.sheets import beat_from_token, beat_token

logger = logging.getLogger(__name__)


def _rate(name: str, default: str) -> str:
    return getattr(settings, f"OUTREACH_RATE_{name}", default)


def _limited(request: HttpRequest, group: str, *, phone: bool = False) -> bool:
    """Count this request against the limits and say whether one of them is exceeded."""
    over = is_ratelimited(
        request,
        group=f"outreach.{group}.ip",
        key=guard.ip_key,
        rate=_rate("IP", "20/h"),
        method=["POST"],
        increment=True,
    )
    if phone and request.POST.get("phone"):
        over = (
            is_ratelimited(
                request,
                group=f"outreach.{group}.phone",
                key=guard.phone_key,
                rate=_rate("PHONE", "5/d"),
                method=["POST"],
                increment=True,
            )
            or over
        )
    return over


def _views_limited(request: HttpRequest) -> bool:
    return is_ratelimited(
        request,
        group="outreach.view",
        key=guard.ip_key,
        rate=_rate("VIEW", "120/m"),
        method=["GET"],
        increment=True,
    )


def _calm(request: HttpRequest, beat: Unit | None, status: int = 429) -> HttpResponse:
    return render(request, "outreach/public/busy.html", {"beat": beat}, status=status)


def _beat_or_city(token: str) -> Unit | None:
    return beat_from_token(token)


@require_GET
def city(request: HttpRequest) -> HttpResponse:
    """The city page: find your community or village (where a broken link also lands)."""
    if _views_limited(request):
        return _calm(request, None)
    form = forms.CitySearchForm(request.GET or None)
    beats: list[tuple[Unit, str]] = []
    if form.is_valid() and form.cleaned_data["q"].strip():
        found = Unit.objects.filter(
            level=Unit.Level.BEAT, name__contains=form.cleaned_data["q"].strip()
        ).select_related("parent")[:20]
        beats = [(b, beat_token(b)) for b in found]
    return render(
        request,
        "outreach/public/city.html",
        {"form": form, "beats": beats, "lost": request.GET.get("lost") == "1"},
    )


@require_GET
def beat_page(request: HttpRequest, token: str) -> HttpResponse:
    if _views_limited(request):
        return _calm(request, None)
    beat = _beat_or_city(token)
    if beat is None:
        return redirect(f"{_city_url()}?lost=1")
    return render(
        request, "outreach/public/beat.html", {"beat": beat, "token": token, "station": beat.parent}
    )


def _city_url() -> str:
    from django.urls import reverse

    return reverse("public:city")


def _action(
    request: HttpRequest,
    token: str,
    *,
    form_class: type,
    template: str,
    group: str,
    phone: bool,
    call: Callable[[Unit, dict[str, Any], HttpRequest], public.Receipt],
) -> HttpResponse:
    beat = _beat_or_city(token)
    if beat is None:
        return redirect(f"{_city_url()}?lost=1")
    context: dict[str, Any] = {"beat": beat, "token": token, **guard.challenge_new()}
    if request.method != "POST":
        if _views_limited(request):
            return _calm(request, beat)
        context["form"] = form_class()
        return render(request, template, context)
    if _limited(request, group, phone=phone):
        logger.info("public page: rate limit", extra={"group": group})
        return _calm(request, beat)
    form = form_class(request.POST, request.FILES)
    context["form"] = form
    if not guard.challenge_check(request.POST.get("challenge", ""), request.POST.get("answer", "")):
        context["challenge_failed"] = True
        return render(request, template, context, status=400)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        receipt = call(beat, form.cleaned_data, request)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
        return render(request, template, context, status=400)
    return render(
        request, "outreach/public/thanks.html", {"beat": beat, "token": token, "receipt": receipt}
    )


def rate(request: HttpRequest, token: str) -> HttpResponse:
    def call(beat: Unit, d: dict[str, Any], _r: HttpRequest) -> public.Receipt:
        topics = {"yes": True, "no": False}.get(d["topics"])
        return public.public_rate(
            beat=beat,
            satisfaction=d["satisfaction"],
            safety=d["safety"],
            topics_explained=topics,
            address=d["address"],
        )

    return _action(
        request,
        token,
        form_class=forms.RateForm,
        template="outreach/public/rate.html",
        group="rate",
        phone=False,
        call=call,
    )


def suggest(request: HttpRequest, token: str) -> HttpResponse:
    return _action(
        request,
        token,
        form_class=forms.OpinionForm,
        template="outreach/public/suggest.html",
        group="suggest",
        phone=False,
        call=lambda beat, d, _r: public.public_opinion(beat=beat, text=d["text"]),
    )


def visit(request: HttpRequest, token: str) -> HttpResponse:
    def call(beat: Unit, d: dict[str, Any], _r: HttpRequest) -> public.Receipt:
        return public.public_visit_request(
            beat=beat,
            address=d["address"],
            date=d["date"],
            start=d["start"],
            end=d["end"],
            phone=d["phone"],
            name=d["name"],
        )

    return _action(
        request,
        token,
        form_class=forms.VisitForm,
        template="outreach/public/visit.html",
        group="visit",
        phone=True,
        call=call,
    )


def clue(request: HttpRequest, token: str) -> HttpResponse:
    def call(beat: Unit, d: dict[str, Any], r: HttpRequest) -> public.Receipt:
        return public.public_clue(
            beat=beat,
            clue_kind=d["clue_kind"],
            text=d["text"],
            anonymous=d["anonymous"],
            name=d["name"],
            phone=d["phone"],
            photo=r.FILES.get("photo"),
        )

    return _action(
        request,
        token,
        form_class=forms.ClueForm,
        template="outreach/public/clue.html",
        group="clue",
        phone=True,
        call=call,
    )


def status(request: HttpRequest) -> HttpResponse:
    """Reference and code → the stage, and nothing else. A wrong code and an unknown
    reference get the same answer."""
    context: dict[str, Any] = {**guard.challenge_new(), "today": timezone.localdate()}
    if request.method != "POST":
        if _views_limited(request):
            return _calm(request, None)
        context["form"] = forms.StatusForm()
        return render(request, "outreach/public/status.html", context)
    if _limited(request, "status"):
        return _calm(request, None)
    form = forms.StatusForm(request.POST)
    context["form"] = form
    if not guard.challenge_check(request.POST.get("challenge", ""), request.POST.get("answer", "")):
        context["challenge_failed"] = True
        return render(request, "outreach/public/status.html", context, status=400)
    if form.is_valid():
        context["result"] = public.public_status(
            form.cleaned_data["reference"], form.cleaned_data["code"]
        )
        context["asked"] = True
        context["form"] = forms.StatusForm()
    return render(request, "outreach/public/status.html", context)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/public/privacy.html", {"notice": NOTICE})


@require_GET
def challenge(request: HttpRequest) -> JsonResponse:
    """A fresh challenge (the page fetches one when the one it was served has expired)."""
    if _views_limited(request):
        return JsonResponse({"detail": _("Too many requests."), "code": "busy"}, status=429)
    return JsonResponse(guard.challenge_new())
