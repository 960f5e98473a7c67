"""Abuse resistance: the challenge, the rate limits (per client address as the trusted proxy
reports it, per phone), size limits; every refusal stores nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from zoufang.findings.models import Finding
from zoufang.outreach import guard
from zoufang.outreach.models import PublicSubmission
from zoufang.outreach.sheets import beat_token
from zoufang.outreach.tests.conftest import solved

pytestmark = pytest.mark.django_db


def _suggest(beat):
    return reverse("public:suggest", args=[beat_token(beat)])


def test_without_a_solved_challenge_nothing_is_stored(client, tree, campaign):
    c = guard.challenge_new()
    for extra in (
        {},
        {"challenge": c["challenge"], "answer": "1"},
        {"challenge": "forged:token", "answer": "0"},
    ):
        r = client.post(_suggest(tree.beat_a), {"text": "意见", **extra})
        assert r.status_code == 400
    assert not PublicSubmission.objects.exists()
    assert not Finding.objects.exists()


def test_a_solved_challenge_is_spent_once(client, tree, campaign):
    proof = solved()
    assert client.post(_suggest(tree.beat_a), {"text": "第一条", **proof}).status_code == 200
    assert client.post(_suggest(tree.beat_a), {"text": "第二条", **proof}).status_code == 400
    assert PublicSubmission.objects.count() == 1


def test_a_challenge_issued_for_fewer_bits_than_now_required_is_refused(settings):
    c = guard.challenge_new()  # issued at 6 bits
    settings.OUTREACH_POW_BITS = 12
    assert not guard.challenge_check(c["challenge"], guard.challenge_solve(c["challenge"], 6))


def test_the_address_limit_refuses_a_flood_and_stores_nothing(
    client, send, settings, tree, campaign
):
    settings.OUTREACH_RATE_IP = "3/h"
    codes = [
        send(client, _suggest(tree.beat_a), {"text": f"意见{i}"}).status_code for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert PublicSubmission.objects.count() == 3


def test_the_proxy_header_counts_only_from_the_trusted_proxy(
    client, send, settings, tree, campaign
):
    settings.OUTREACH_RATE_IP = "2/h"
    settings.TRUSTED_PROXIES = ["10.9.0.1"]
    # Behind the proxy: each resident is their own address.
    for i in range(4):
        r = send(
            client,
            _suggest(tree.beat_a),
            {"text": f"代理后{i}"},
            REMOTE_ADDR="10.9.0.1",
            HTTP_X_REAL_IP=f"127.0.5.{i}",
        )
        assert r.status_code == 200
    # Straight to the server, a header set by the client itself changes nothing.
    codes = [
        send(
            client,
            _suggest(tree.beat_a),
            {"text": f"伪造{i}"},
            REMOTE_ADDR="127.0.9.9",
            HTTP_X_REAL_IP=f"127.0.6.{i}",
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_client_ip_reads_the_header_only_from_a_trusted_network(rf, settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    proxied = rf.get("/", REMOTE_ADDR="10.9.0.7", HTTP_X_REAL_IP="203.0.113.5")
    direct = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_REAL_IP="203.0.113.5")
    garbage = rf.get("/", REMOTE_ADDR="10.9.0.7", HTTP_X_REAL_IP="not-an-ip")
    assert guard.client_ip(proxied) == "203.0.113.5"
    assert guard.client_ip(direct) == "198.51.100.1"
    assert guard.client_ip(garbage) == "10.9.0.7"


def test_the_phone_limit_holds_across_addresses(client, send, settings, tree, people, campaign):
    settings.OUTREACH_RATE_PHONE = "2/d"
    url = reverse("public:visit", args=[beat_token(tree.beat_a)])
    from django.utils import timezone

    codes = [
        send(
            client,
            url,
            {
                "address": f"文峰路{i}号",
                "date": timezone.localdate().isoformat(),
                "phone": "13912345678",
            },
            REMOTE_ADDR=f"127.0.7.{i}",
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert PublicSubmission.objects.count() == 2


def test_oversize_text_is_refused_calmly(client, send, tree, campaign):
    r = send(client, _suggest(tree.beat_a), {"text": "长" * 1001})
    assert r.status_code == 400
    assert not PublicSubmission.objects.exists()


def _png(size=(40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return buf.getvalue()


def test_a_clue_photo_must_be_a_small_image(client, send, settings, tree, campaign):
    url = reverse("public:clue", args=[beat_token(tree.beat_a)])
    data = {"clue_kind": "other", "text": "线索", "anonymous": "on"}
    fake = SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    assert send(client, url, {**data, "photo": fake}).status_code == 400
    settings.OUTREACH_PHOTO_MAX_MB = 0  # every photo is over the limit
    big = SimpleUploadedFile("big.png", _png(), content_type="image/png")
    assert send(client, url, {**data, "text": "线索2", "photo": big}).status_code == 400
    assert not PublicSubmission.objects.exists()
    settings.OUTREACH_PHOTO_MAX_MB = 5
    ok = SimpleUploadedFile("ok.png", _png(), content_type="image/png")
    assert send(client, url, {**data, "text": "线索3", "photo": ok}).status_code == 200
    assert PublicSubmission.objects.get().photo.name.endswith(".png")
