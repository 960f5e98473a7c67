"""The status check (reference + code, nothing else, the same answer for every miss) and the
PIPL notice (it names every field the page stores)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from zoufang.findings.models import Finding
from zoufang.outreach.models import PublicSubmission
from zoufang.outreach.privacy import NOT_PERSONAL, NOTICE
from zoufang.outreach.sheets import beat_token

pytestmark = pytest.mark.django_db


def _receipt(response) -> tuple[str, str]:
    html = response.content.decode()
    ref = re.search(r"data-reference>(\w+)<", html).group(1)
    code = re.search(r"data-code>(\w+)<", html).group(1)
    return ref, code


def _answer(response) -> str:
    """The status answer, without the per-request tokens (CSRF, challenge)."""
    html = response.content.decode()
    return re.search(r'<div class="alert[^"]*" role="status"[^>]*>.*?</div>', html, re.S).group(0)


def test_the_holder_of_reference_and_code_sees_the_stage_only(client, send, tree, campaign):
    r = send(
        client,
        reverse("public:suggest", args=[beat_token(tree.beat_a)]),
        {"text": "希望多开展防诈骗宣传"},
    )
    ref, code = _receipt(r)
    status = send(client, reverse("public:status"), {"reference": ref, "code": code})
    assert 'data-stage="handling"' in status.content.decode()
    assert "希望多开展防诈骗宣传" not in status.content.decode()
    Finding.objects.update(state="closed")
    status = send(client, reverse("public:status"), {"reference": ref, "code": code.lower()})
    assert 'data-stage="closed"' in status.content.decode()


def test_a_wrong_code_and_an_unknown_reference_answer_alike(client, send, tree, campaign):
    r = send(client, reverse("public:suggest", args=[beat_token(tree.beat_a)]), {"text": "意见"})
    ref, code = _receipt(r)
    wrong_code = send(client, reverse("public:status"), {"reference": ref, "code": "AAAAAA"})
    unknown = send(client, reverse("public:status"), {"reference": "QZZZZZZZZZ", "code": code})
    assert wrong_code.status_code == unknown.status_code == 200
    assert _answer(wrong_code) == _answer(unknown)
    assert 'data-stage="none"' in _answer(unknown)


def test_a_held_submission_reads_as_received(client, send, tree, campaign):
    r = send(
        client,
        reverse("public:suggest", args=[beat_token(tree.beat_a)]),
        {"text": "加微信 www.example.com 领奖"},
    )
    ref, code = _receipt(r)
    assert PublicSubmission.objects.get().state == "held"
    status = send(client, reverse("public:status"), {"reference": ref, "code": code})
    assert 'data-stage="received"' in status.content.decode()


def test_the_notice_names_every_field_the_page_stores():
    named = {f for *_, fields in NOTICE for f in fields} | set(NOT_PERSONAL)
    stored = {f.name for f in PublicSubmission._meta.concrete_fields}
    assert stored == named


def test_the_privacy_page_lists_the_notice(client, db):
    r = client.get(reverse("public:privacy"))
    assert r.status_code == 200
    for what, *_ in NOTICE:
        assert str(what) in r.content.decode()
