"""Leaflet sheets (宣传彩页): an A5 page with the leaflet's title, its short text and a QR code
(segno) leading to the public page of the beat it was printed for. As HTML (the screen's
preview), a PDF printed by headless chromium (decision 0013's printing, A5 here) and a PNG for
the phone. A beat's public link carries a short keyed check, so a mistyped or tampered code
leads to the city page rather than to some other beat."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse

from zoufang.org.models import Unit

if TYPE_CHECKING:
    from django.http import HttpRequest

    from zoufang.campaigns.models import CatalogItem

CHROMIUM = Path("/usr/bin/chromium")


def _check(code: str) -> str:
    key = f"{settings.SECRET_KEY}:outreach-beat".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()[:6]


def beat_token(beat: Unit) -> str:
    """The beat's part of its public link: its code and a six-character check."""
    return f"{beat.code}-{_check(beat.code)}"


def beat_from_token(token: str) -> Unit | None:
    """The active beat a public link names, or None (unknown, tampered, not a beat)."""
    code, _, check = (token or "").partition("-")
    if not code.isdigit() or len(code) > 12 or not hmac.compare_digest(check, _check(code)):
        return None
    return Unit.objects.filter(code=code, level=Unit.Level.BEAT).first()


def public_url(beat: Unit, request: HttpRequest | None = None) -> str:
    """The absolute link a leaflet's QR code carries: OUTREACH_PUBLIC_BASE_URL (the public
    host) when set, else the host the request came to."""
    path = reverse("public:beat", args=[beat_token(beat)])
    base = getattr(settings, "OUTREACH_PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def qr_svg(url: str) -> str:
    """The QR code as an inline SVG (error correction M: survives a fold or a smudge)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2)


def sheet_context(items: list[CatalogItem], beat: Unit, url: str) -> dict[str, Any]:
    return {
        "items": items,
        "beat": beat,
        "url": url,
        "qr": qr_svg(url),
        "chain": " · ".join(u.name for u in beat.ancestors()[1:]) if beat.parent_id else "",
    }


def sheet_html(items: list[CatalogItem], beat: Unit, url: str, *, inline: bool) -> str:
    context = sheet_context(items, beat, url)
    context["inline"] = inline
    if inline:
        context["inline_css"] = Path(finders.find("outreach/sheet.css")).read_text(encoding="utf-8")
    return render_to_string("outreach/sheet.html", context)


def _print(html: str, fn: str) -> bytes:
    from playwright.sync_api import sync_playwright

    executable = getattr(settings, "CHROMIUM_PATH", str(CHROMIUM))
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            # A5 at 96 dpi is 559 × 794 CSS pixels; the PNG is drawn at twice that.
            page = browser.new_page(viewport={"width": 559, "height": 794}, device_scale_factor=2)
            page.set_content(html, wait_until="load")
            if fn == "pdf":
                return page.pdf(
                    format="A5", print_background=True, margin={"top": "0", "bottom": "0"}
                )
            return page.locator(".sheet").first.screenshot(type="png")
        finally:
            browser.close()


def sheet_pdf(items: list[CatalogItem], beat: Unit, url: str) -> bytes:
    """One A5 page per leaflet (a chief's batch is every leaflet for their beat)."""
    return _print(sheet_html(items, beat, url, inline=True), "pdf")


def sheet_png(item: CatalogItem, beat: Unit, url: str) -> bytes:
    return _print(sheet_html([item], beat, url, inline=True), "png")
