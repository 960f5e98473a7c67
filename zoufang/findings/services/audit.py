"""The audit of sensitive findings: every opening is logged, granted or not."""

from __future__ import annotations

from zoufang.findings.access import can_read
from zoufang.findings.models import Finding, FindingAccess
from zoufang.org.models import User


def record_access(user: User, finding: Finding, *, via: str) -> bool:
    """Check and audit an opening of a finding; every opening of a sensitive one is logged,
    granted or not. Returns whether the content may be shown."""
    granted = can_read(user, finding)
    if finding.sensitive:
        FindingAccess.objects.create(finding=finding, user=user, via=via, granted=granted)
    return granted
