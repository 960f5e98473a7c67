"""What the offline app keeps on an officer's phone (zoufang.offline.registry): the form to
raise a finding and "my findings"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from zoufang.core.scope import user_scope

if TYPE_CHECKING:
    from zoufang.org.models import User

OFFLINE_STATIC = ["findings/findings.css"]


def offline_pages(user: User) -> list[str]:
    if user_scope(user).nothing:  # researchers raise no findings from the field
        return []
    return [reverse("findings:mine"), reverse("findings:create")]
