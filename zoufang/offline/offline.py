"""The offline app's own page kept on the phone: the outbox (待发送)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from zoufang.core.scope import User


def offline_pages(user: User) -> list[str]:
    return [reverse("offline:outbox")]
