"""Response headers: a Content-Security-Policy that allows no inline script (so no page may
carry one), Cache-Control: no-store on everything a signed-in user gets, and production
settings that pass `manage.py check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from zoufang.org.services import api_token_create

ROOT = Path(django_settings.BASE_DIR)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("zoufang/*/templates")]:
        yield from folder.rglob("*.html")


def test_the_policy_forbids_inline_and_foreign_scripts(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_an_inline_script_or_event_handler():
    """Such a script would be blocked by the policy: its code belongs in a static file."""
    found = []
    for template in _templates():
        text = template.read_text(encoding="utf-8")
        found += [f"{template.relative_to(ROOT)}: {m[0]}" for m in INLINE_SCRIPT.finditer(text)]
        found += [f"{template.relative_to(ROOT)}: {m[0]}" for m in INLINE_HANDLER.finditer(text)]
    assert found == []


@pytest.mark.parametrize("url", ["/", "/findings/stats/", "/visits/coverage/", "/registry/"])
def test_pages_with_charts_render_without_inline_script(office, client_for, campaign, url):
    r = client_for(office).get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert INLINE_SCRIPT.findall(body) == []
    assert "Content-Security-Policy" in r.headers


def test_everything_a_signed_in_user_gets_is_not_stored(officer_a, client_for, client):
    page = client_for(officer_a).get("/registry/persons/")
    export = client_for(officer_a).get("/registry/persons/", {"export": "xlsx"})
    _token, key = api_token_create(user=officer_a)
    api = client.get("/api/v1/registry/persons", HTTP_AUTHORIZATION=f"Bearer {key}")
    session_api = client_for(officer_a).get("/api/v1/me")
    for response in (page, export, api, session_api):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    # An anonymous answer (here the API's 401) is left to the view.
    assert "no-store" not in client.get("/api/v1/me").get("Cache-Control", "")


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE", "DEBUG"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "ALLOWED_HOSTS": "zoufang.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
