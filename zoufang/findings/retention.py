"""Retention rules of the findings (found by zoufang.core.retention; docs/data-inventory.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from zoufang.core.retention import rule
from zoufang.findings.models import Finding, Source, State


@rule("public-page reporter contact")
def public_reporter_contact(now: dt.datetime) -> int:
    """The name and phone a member of the public left with a clue are erased
    PUBLIC_CONTACT_RETENTION_DAYS after the clue is closed (the case no longer needs them)."""
    cutoff = now - dt.timedelta(days=settings.PUBLIC_CONTACT_RETENTION_DAYS)
    expired = Finding.objects.filter(
        source=Source.PUBLIC, state=State.CLOSED, closed_at__lt=cutoff
    ).exclude(reporter_name="", reporter_phone="")
    return expired.update(reporter_name="", reporter_phone="")
