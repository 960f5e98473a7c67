"""The leaflet sheets a chief prints (issue 14): the A5 PDF of one leaflet and the beat's batch,
the PNG for the phone. The PDF is a PDF with one page per leaflet; the PNG decodes and its QR
code is the one of the leaflet's public link for the beat it was printed for; a user outside
the jurisdiction gets 404 on every format.

No QR decoder is kept in the lock (zbar and OpenCV are not dependencies), so the QR code is
read back by sampling the PNG on the module grid and comparing with segno's matrix of the
expected link: the same modules mean the same link for any reader."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.urls import reverse
from PIL import Image

from conftest import BROWSER_TEST
from zoufang.outreach.sheets import beat_token

pytestmark = [*BROWSER_TEST, pytest.mark.django_db]

_PAGE = re.compile(rb"/Type\s*/Page(?!s)\b")


def _leaflet(campaign, code="public-safety"):
    return campaign.catalog.get(kind="leaflet", code=code)


def _sheet(client, leaflet, beat, fmt):
    url = reverse("outreach:sheet", args=[leaflet.pk])
    return client.get(url, {"beat": beat.pk, "format": fmt})


def _pages(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    return len(_PAGE.findall(pdf))


def _qr_modules(png: bytes, size: int) -> list[list[bool]]:
    """The QR code's modules as the PNG shows them: the dark box of the code (its finder
    patterns mark three corners) in the sheet's lower left, sampled at each module's centre."""
    img = Image.open(io.BytesIO(png)).convert("L")
    w, h = img.size
    # The QR block sits at the bottom of the A5 sheet, left of its text (sheet.css): look in
    # the left third, in the lower part of the page.
    left, top, right, bottom = 0, int(h * 0.6), int(w * 0.36), int(h * 0.92)
    region = img.crop((left, top, right, bottom))
    px = region.load()
    rw, rh = region.size
    dark = [(x, y) for y in range(rh) for x in range(rw) if px[x, y] < 100]
    assert dark, "no QR code in the sheet's lower left"
    x0, x1 = min(x for x, _ in dark), max(x for x, _ in dark)
    y0, y1 = min(y for _, y in dark), max(y for _, y in dark)
    side_x, side_y = (x1 - x0 + 1) / size, (y1 - y0 + 1) / size
    assert abs(side_x - side_y) < 0.5, "the dark box is not the square QR code"
    return [
        [px[int(x0 + (c + 0.5) * side_x), int(y0 + (r + 0.5) * side_y)] < 128 for c in range(size)]
        for r in range(size)
    ]


def test_a_leaflets_png_decodes_and_its_qr_code_is_the_beats_public_link(
    client_for, chief_a, tree, campaign
):
    leaflet = _leaflet(campaign)
    r = _sheet(client_for(chief_a), leaflet, tree.beat_a, "png")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert f"leaflet-{leaflet.code}-{tree.beat_a.code}.png" in r["Content-Disposition"]
    png = r.content
    image = Image.open(io.BytesIO(png))
    image.verify()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    # An A5 page (148 × 210 mm) drawn at twice 96 dpi.
    assert image.size[0] > 1000
    assert abs(image.size[1] / image.size[0] - 210 / 148) < 0.02

    link = "http://testserver" + reverse("public:beat", args=[beat_token(tree.beat_a)])
    expected = segno.make(link, error="m", micro=False)
    matrix = [[bool(v) for v in row] for row in expected.matrix]
    seen = _qr_modules(png, len(matrix))
    wrong = sum(
        a != b for ra, rb in zip(seen, matrix, strict=True) for a, b in zip(ra, rb, strict=True)
    )
    assert wrong == 0, f"{wrong} modules differ from the QR code of {link}"
    # Another beat's link would be another code: the comparison can fail.
    other = segno.make(
        "http://testserver" + reverse("public:beat", args=[beat_token(tree.beat_a2)]),
        error="m",
        micro=False,
    )
    if len(other.matrix) == len(matrix):
        assert seen != [[bool(v) for v in row] for row in other.matrix]


def test_a_leaflets_pdf_is_one_a5_page_and_the_batch_one_page_per_leaflet(
    client_for, chief_a, tree, campaign
):
    client = client_for(chief_a)
    r = _sheet(client, _leaflet(campaign), tree.beat_a, "pdf")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert _pages(r.content) == 1
    # A5 portrait: 148 × 210 mm, 419.5 × 595.3 points (chromium rounds to its pixels).
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", r.content)
    assert box, "no page size"
    assert abs(float(box[1]) - 419.5) < 2
    assert abs(float(box[2]) - 595.3) < 2

    batch = client.get(reverse("outreach:batch"), {"beat": tree.beat_a.pk})
    assert batch.status_code == 200
    assert batch["Content-Type"] == "application/pdf"
    assert f"leaflets-{tree.beat_a.code}.pdf" in batch["Content-Disposition"]
    leaflets = campaign.catalog.filter(kind="leaflet", is_active=True).count()
    assert leaflets >= 3
    assert _pages(batch.content) == leaflets

    # A leaflet the office retires leaves the batch.
    campaign.catalog.filter(kind="leaflet", code="public-safety").update(is_active=False)
    fewer = client.get(reverse("outreach:batch"), {"beat": tree.beat_a.pk})
    assert _pages(fewer.content) == leaflets - 1


def test_a_user_outside_the_jurisdiction_gets_404_on_every_sheet(
    client_for, chief_b, tree, campaign
):
    client = client_for(chief_b)
    leaflet = _leaflet(campaign)
    for fmt in ("html", "pdf", "png"):
        assert _sheet(client, leaflet, tree.beat_a, fmt).status_code == 404, fmt
    assert client.get(reverse("outreach:batch"), {"beat": tree.beat_a.pk}).status_code == 404
    # Their own beat prints.
    assert _sheet(client, leaflet, tree.beat_b, "html").status_code == 200
