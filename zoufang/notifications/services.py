"""Sending and reading notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from zoufang.core.roles import MANAGER_ROLES
from zoufang.notifications.models import Notification

# Notifications sit below the domain apps: a unit is a model instance (an org.Unit), a user is
# the project's user model (settings.AUTH_USER_MODEL), whose `unit` and `role` say who is
# anchored where.


def unit_recipients(units: Iterable[Model], *, managers_only: bool = True) -> list[int]:
    """Active users anchored at these units (by default the ones who manage the unit)."""
    ids = [u.pk for u in units if u is not None]
    if not ids:
        return []
    qs = get_user_model().objects.filter(unit_id__in=ids, is_active=True)
    if managers_only:
        qs = qs.filter(role__in=MANAGER_ROLES)
    return list(qs.values_list("pk", flat=True))


@transaction.atomic
def notify(
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    users: Iterable[AbstractBaseUser | int] = (),
    units: Iterable[Model] = (),
    unit: Model | None = None,
    managers_only: bool = True,
) -> int:
    """Notify users, and/or the people anchored at units (their managers by default).
    Each user gets one notification even when named twice. Returns how many were created."""
    recipients = {u if isinstance(u, int) else u.pk for u in users}
    unit_list = [*units, unit] if unit is not None else list(units)
    recipients.update(unit_recipients(unit_list, managers_only=managers_only))
    Notification.objects.bulk_create(
        [
            Notification(user_id=uid, kind=kind, title=title[:200], body=body, url=url[:300])
            for uid in sorted(recipients)
        ]
    )
    return len(recipients)


def notify_many(rows: Iterable[tuple[int, str, str, str, str]]) -> int:
    """Bulk form for sweeps: (user_id, kind, title, body, url) tuples."""
    objs = [
        Notification(user_id=uid, kind=kind, title=title[:200], body=body, url=url[:300])
        for uid, kind, title, body, url in rows
    ]
    Notification.objects.bulk_create(objs, batch_size=1000)
    return len(objs)


def unread_count(user: AbstractBaseUser) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mark_read(*, user: AbstractBaseUser, pk: int | None = None) -> int:
    """Mark one (or, without pk, all) of the user's notifications read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(Q(pk=pk))
    return qs.update(read_at=timezone.now())
