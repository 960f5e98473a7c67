"""The rule kinds: one class per kind, each with its thresholds and `run(window)`."""

from __future__ import annotations

from typing import Any

from zoufang.patrol.rules.base import Hit, Param, RuleType, Window
from zoufang.patrol.rules.copies import PhotoCopy, TextCopy
from zoufang.patrol.rules.teams import Hanging, IdleTeam, NoProblems
from zoufang.patrol.rules.times import Overlap, TeamRate
from zoufang.patrol.rules.visits import Distance, MinDuration, Night

KINDS: dict[str, type[RuleType]] = {
    cls.kind: cls
    for cls in (
        MinDuration,
        TeamRate,
        Overlap,
        Distance,
        TextCopy,
        PhotoCopy,
        NoProblems,
        Night,
        IdleTeam,
        Hanging,
    )
}


def summary_for(kind: str, args: dict[str, Any]) -> str:
    cls = KINDS.get(kind)
    if cls is None:
        return kind
    try:
        return str(cls.summary) % args
    except (KeyError, TypeError, ValueError):
        return str(cls.summary)


__all__ = ["KINDS", "Hit", "Param", "RuleType", "Window", "summary_for"]
