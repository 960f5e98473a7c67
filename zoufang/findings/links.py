"""Links from a finding to records of the apps above findings.

A finding may name the visit it was raised on (`Finding.visit_id`, a checked plain column:
docs/decisions/0005). Findings sits below visits in the layers (decision 0004) and must not
import it, so the app that owns the record registers how to check an id, and findings asks
through here. With no check registered for a kind, no id of that kind is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# kind -> check(pk, beat_path): does the record exist and lie in that beat?
_checks: dict[str, Callable[[int, str], bool]] = {}


def register(kind: str, check: Callable[[int, str], bool]) -> None:
    _checks[kind] = check


def exists_in_beat(kind: str, pk: int, beat_path: str) -> bool:
    check = _checks.get(kind)
    return bool(check and check(pk, beat_path))


# kind -> summary(user, pk): what the finding's page shows of the record (a label, its URL,
# its photos' URLs), or None when the user may not see it. Registered by the owning app.
_summaries: dict[str, Callable[[Any, int], dict[str, Any] | None]] = {}


def register_summary(kind: str, summary: Callable[[Any, int], dict[str, Any] | None]) -> None:
    _summaries[kind] = summary


def summary(kind: str, user: Any, pk: int | None) -> dict[str, Any] | None:
    """The linked record as `user` may see it, or None (no link, no summary registered, or
    outside what the user sees)."""
    describe = _summaries.get(kind)
    if pk is None or describe is None:
        return None
    return describe(user, pk)
