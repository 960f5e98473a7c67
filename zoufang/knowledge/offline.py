"""What the offline app keeps on a phone from the pocket book (zoufang.offline.registry): the
contents, each chapter and each entry, so an officer at a door without signal can still read it.
Kept after the field pages (OFFLINE_ORDER): when the page limit cuts, the day's tasks win."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from zoufang.knowledge.models import Chapter, Entry

if TYPE_CHECKING:
    from zoufang.org.models import User

OFFLINE_ORDER = 90


def offline_pages(user: User) -> list[str]:
    if not user.is_authenticated:
        return []
    pages = [reverse("knowledge:index")]
    pages += [reverse("knowledge:chapter", args=[s]) for s in Chapter.objects.values_list("slug", flat=True)]  # fmt: skip
    pages += [reverse("knowledge:entry", args=[s]) for s in Entry.objects.values_list("slug", flat=True)]  # fmt: skip
    return pages
