"""The installable app's plumbing: /sw.js, the manifest, the user's pages to keep, the
reachability probe and the logout that wipes the phone's store."""

from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r["Cache-Control"]
    # Its own policy allows scripts from this origin only.
    assert "script-src 'self'" in r["Content-Security-Policy"]


def test_nothing_the_service_worker_loads_comes_from_another_origin(client):
    body = client.get("/sw.js").content.decode()
    assert not re.search(r"https?://", body.split("*/", 1)[1])
    imported = re.findall(r"importScripts\(([^)]*)\)", body)
    scripts = [s.strip().strip('"') for group in imported for s in group.split(",")]
    assert scripts
    assert all(s.startswith("/static/") for s in scripts)
    # workbox-sw is pointed at the vendored copies (its default is Google's CDN).
    assert 'modulePathPrefix: "/static/vendor/workbox"' in body
    for name in ("core", "routing", "strategies", "precaching"):
        assert finders.find(f"vendor/workbox/workbox-{name}.prod.js"), name
    precache = json.loads(re.search(r"precacheAndRoute\(\[\.\.\.(\[.*?\]), \{", body).group(1))
    assert precache
    for entry in precache:
        assert entry["url"].startswith("/static/")
        assert finders.find(entry["url"].removeprefix("/static/")), entry["url"]


def test_a_new_version_setting_gives_a_new_worker(client, settings):
    first = re.search(r'const VERSION = "(\w+)"', client.get("/sw.js").content.decode()).group(1)
    settings.OFFLINE_APP_VERSION = "2"
    second = re.search(r'const VERSION = "(\w+)"', client.get("/sw.js").content.decode()).group(1)
    assert first != second


def test_the_manifest_names_the_app_and_its_icons(client):
    r = client.get("/manifest.webmanifest")
    assert r["Content-Type"] == "application/manifest+json"
    body = r.json()
    assert body["scope"] == "/"
    assert body["start_url"] == "/visits/"
    assert body["display"] == "standalone"
    sizes = {i["sizes"] for i in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_every_page_links_the_manifest(client_for, member_a):
    assert (
        'rel="manifest" href="/manifest.webmanifest"'
        in client_for(member_a).get("/").content.decode()
    )


def test_ping_says_whether_the_session_is_alive(client, client_for, member_a):
    assert client.get("/offline/ping").status_code == 401
    assert client_for(member_a).get("/offline/ping").status_code == 204


def test_logout_tells_the_browser_to_wipe_the_site(client_for, member_a):
    r = client_for(member_a).post(reverse("logout"))
    assert r.status_code == 302
    assert r["Clear-Site-Data"] == '"cache", "storage"'


def test_the_fallback_page_holds_nothing_about_the_user(client_for, member_a):
    body = client_for(member_a).get("/offline/fallback/").content.decode()
    assert member_a.display_name not in body
    assert "member_a" not in body
    assert "csrfmiddlewaretoken" not in body
