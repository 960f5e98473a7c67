"""The retention job (issue 17 part 4): a public-page reporter's name and phone are erased a
set time after the clue is closed, and not before; the job says what it cleared in the
audit trail."""

from __future__ import annotations

import datetime as dt
import io

from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from zoufang.core import retention
from zoufang.findings.models import Finding, Source, State


def _aged(finding: Finding, state: str, closed_days_ago: int | None, source: str) -> Finding:
    """The clue as the public page leaves it (source, reporter's contact), closed that long
    ago (the workflow sets closed_at to now; retention is about the past)."""
    closed = timezone.now() - dt.timedelta(days=closed_days_ago) if closed_days_ago else None
    Finding.objects.filter(pk=finding.pk).update(
        source=source,
        state=state,
        closed_at=closed,
        reporter_name="张女士",
        reporter_phone="13912345678",
    )
    return finding


def test_public_contacts_are_erased_after_the_retention_period(raise_finding, settings):
    settings.PUBLIC_CONTACT_RETENTION_DAYS = 90
    expired = _aged(raise_finding(), State.CLOSED, 120, Source.PUBLIC)
    recent = _aged(raise_finding(), State.CLOSED, 30, Source.PUBLIC)
    still_open = _aged(raise_finding(), State.IN_PROGRESS, None, Source.PUBLIC)
    done = retention.run()
    assert done["public-page reporter contact"] == 1
    expired.refresh_from_db()
    assert (expired.reporter_name, expired.reporter_phone) == ("", "")
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.reporter_phone == "13912345678"
    entry = LogEntry.objects.get(additional_data__retention__rule="public-page reporter contact")
    assert entry.additional_data["retention"]["count"] == 1
    # A second run finds nothing left to clear.
    assert retention.run()["public-page reporter contact"] == 0


def test_a_clue_from_an_officer_keeps_its_reporter(raise_finding, officer_a, settings):
    settings.PUBLIC_CONTACT_RETENTION_DAYS = 90
    finding = _aged(raise_finding(officer_a), State.CLOSED, 400, Source.OFFICER)
    call_command("retention", stdout=io.StringIO())
    finding.refresh_from_db()
    assert finding.reporter_phone == "13912345678"
