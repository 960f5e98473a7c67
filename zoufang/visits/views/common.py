"""What the visit pages share: the current campaign and a safe "next" address."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Campaign


def current_campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise Http404(_("There is no current campaign."))
    return campaign


def next_url(request: HttpRequest, default: str) -> str:
    """The POST's `next` if it stays on this site, else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
