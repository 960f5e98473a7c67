from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from zoufang.notifications.services import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` for the navbar bell; counted only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
