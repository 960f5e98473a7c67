"""What a phone last reported about its queue of records saved offline and not yet sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoufang.core.models import PathField, ScopedQuerySet


class QueueReport(models.Model):
    """One row per user, rewritten each time one of their phones is online: how many records
    wait on it and since when. The chief's team page lists the stale ones (over a day)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="offline_queue",
    )
    # The user's anchor unit when they reported: the chief above it sees the row.
    unit_path = PathField(_("unit path"), blank=True)
    pending = models.PositiveIntegerField(_("records waiting"), default=0)
    oldest_at = models.DateTimeField(_("oldest waiting since"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("offline queue report")
        verbose_name_plural = _("offline queue reports")
        indexes = [models.Index(fields=["unit_path", "oldest_at"], name="offline_q_path_oldest")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.pending}"
