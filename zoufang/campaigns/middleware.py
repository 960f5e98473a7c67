"""`request.campaign()`: the current campaign, for the pages of the apps below campaigns.

Org's team pages and unit page show the teams of the current campaign, but org sits below
campaigns and does not import it; like `request.user` from the auth middleware, the request
carries the lookup. It runs on first call only and once per request (`request_campaign`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse

from zoufang.campaigns.services import request_campaign


class CurrentCampaignMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.campaign = partial(request_campaign, request)
        return self.get_response(request)
