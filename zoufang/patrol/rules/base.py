"""What every rule kind shares: its thresholds (declared once, validated with messages a user
understands), and the `Hit` it reports — turned into a `Flag` row by the run service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Param:
    """One threshold: its type, the range the office may set, what it means."""

    label: Any
    default: Any
    low: float | None = None
    high: float | None = None
    kind: type = int  # int, float or list (of words)


@dataclass
class Hit:
    """One finding of a rule, about one subject (`key`, unique within the rule)."""

    key: str
    subject: str
    unit_id: int
    unit_path: str
    args: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    visit_id: int | None = None
    other_visit_id: int | None = None
    team_id: int | None = None
    personnel_id: int | None = None
    finding_id: int | None = None


@dataclass
class Window:
    """What a run examines: visits with id in (since, upto]; `now` for the time-based rules."""

    since: int
    upto: int
    now: dt.datetime


class RuleType:
    kind: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}
    # One sentence with %(name)s figures from the hit's `args`.
    summary: ClassVar[Any] = ""

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {name: p.default for name, p in cls.params.items()}

    @classmethod
    def clean(cls, raw: dict[str, Any]) -> dict[str, Any]:
        """The thresholds as typed values, or ValidationError naming each bad one and its range."""
        errors: dict[str, str] = {}
        out: dict[str, Any] = {}
        for name, p in cls.params.items():
            value = raw.get(name, p.default)
            if p.kind is list:
                words = value if isinstance(value, list) else str(value).splitlines()
                out[name] = [str(w).strip() for w in words if str(w).strip()][:200]
                continue
            try:
                number = p.kind(value)
            except (TypeError, ValueError):
                errors[name] = _("%(label)s must be a number.") % {"label": p.label}
                continue
            if (p.low is not None and number < p.low) or (p.high is not None and number > p.high):
                errors[name] = _("%(label)s must be between %(low)s and %(high)s.") % {
                    "label": p.label,
                    "low": p.low,
                    "high": p.high,
                }
                continue
            out[name] = number
        if errors:
            raise ValidationError(errors)
        return out

    def __init__(self, campaign: Any, params: dict[str, Any]) -> None:
        self.campaign = campaign
        self.p = {**self.defaults(), **params}

    def run(self, window: Window) -> Iterable[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def stamp(moment: dt.datetime | None) -> str:
    """A time as evidence shows it (local, to the minute)."""
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


MINUTES = gettext_lazy("minutes")
