"""The public host serves only the public page: staff routes, login, admin and API are not
there at all (config/urls_public.py, selected by PublicHostMiddleware)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zoufang.outreach.sheets import beat_token

pytestmark = pytest.mark.django_db

STAFF_PATHS = [
    "/",
    "/accounts/login/",
    "/admin/",
    "/admin/login/",
    "/api/v1/me",
    "/api/v1/auth/token",
    "/api/docs",
    "/findings/",
    "/visits/",
    "/registry/",
    "/org/units/",
    "/outreach/",
    "/outreach/moderation/",
    "/dashboard/reports/",
    "/audit/",
    "/help/",
]


@pytest.fixture
def public_host(settings):
    settings.OUTREACH_PUBLIC_HOSTS = ["gz.example.gov.cn"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "gz.example.gov.cn"]
    return "gz.example.gov.cn"


def test_staff_routes_are_unreachable_through_the_public_host(client, public_host, office):
    client.force_login(office)  # even a signed-in session reaches nothing of the staff site
    for path in STAFF_PATHS:
        r = client.get(path, HTTP_HOST=public_host)
        assert r.status_code in (404, 302), path
        if r.status_code == 302:  # only "/" redirects, and only to the public city page
            assert r["Location"] == "/p/", path


def test_the_public_routes_work_through_the_public_host(client, public_host, tree, campaign):
    assert client.get("/p/", HTTP_HOST=public_host).status_code == 200
    assert client.get("/p/privacy/", HTTP_HOST=public_host).status_code == 200
    beat = reverse("public:beat", args=[beat_token(tree.beat_a)])
    assert client.get(beat, HTTP_HOST=public_host).status_code == 200
    assert client.get("/healthz", HTTP_HOST=public_host).status_code in (200, 503)


def test_the_staff_host_still_serves_the_staff_site(client, public_host, office, campaign):
    client.force_login(office)
    assert client.get("/outreach/").status_code == 200
