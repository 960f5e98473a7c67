"""System checks for the security settings (issue 17): the audit trail's retention floor and
the key its hash chain is made with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def audit_retention(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from zoufang.core.audit import RETENTION_FLOOR_DAYS

    days = getattr(settings, "AUDIT_RETENTION_DAYS", RETENTION_FLOOR_DAYS)
    if days < RETENTION_FLOOR_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS is {days}; 等保2.0 level 3 requires audit records to be "
                f"kept at least {RETENTION_FLOOR_DAYS} days.",
                id="zoufang.E017",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def audit_chain_key(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not getattr(settings, "AUDIT_CHAIN_KEY", ""):
        return [
            Warning(
                "AUDIT_CHAIN_KEY is not set: the audit trail's hash chain is keyed by SECRET_KEY, "
                "so rotating SECRET_KEY makes `audit_verify` report every older entry as changed.",
                id="zoufang.W017",
            )
        ]
    return []
