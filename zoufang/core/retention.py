"""The periodic retention job (issue 17 part 4; docs/data-inventory.md).

Each app that keeps personal data for a limited time declares its rules in its own
`retention.py` (`@rule("name")` on a function taking `now` and returning how many records it
cleared); core finds them the way Django's admin finds `admin.py` modules, so core names no
app above it. `run()` applies every rule and the audit trail's own retention, and writes one
audit entry per rule that cleared something (what, how many). Celery beat runs it daily
(`core.retention`); `manage.py retention` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from zoufang.core import audit

log = logging.getLogger(__name__)

Rule = Callable[[dt.datetime], int]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention rule; returns {rule: records cleared}."""
    autodiscover_modules("retention")
    now = now or timezone.now()
    done: dict[str, int] = {}
    for name, fn in sorted(RULES.items()):
        count = fn(now)
        done[name] = count
        if count:
            audit.record(
                actor=None,
                obj=audit.system_target(),
                what=f"retention: {name}: {count} records cleared",
                extra={"retention": {"rule": name, "count": count}},
            )
    done["audit trail"] = audit.purge_expired(now=now)
    log.info("retention: %s", done)
    return done
