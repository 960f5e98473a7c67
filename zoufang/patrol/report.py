"""Precision and recall per rule on the labelled set (tests and `manage.py patrol_labelled`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zoufang.patrol.labelled import LabelledSet
from zoufang.patrol.rules import KINDS


@dataclass
class RuleScore:
    kind: str
    tp: int  # flags that match a must-flag case
    fp: int  # flags that match no must-flag case (a must-not, or nothing planted)
    fn: int  # must-flag cases no flag matches

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return (self.tp_cases / self.cases) if self.cases else 1.0

    tp_cases: int = 0
    cases: int = 0


def labelled_table(ls: LabelledSet, flags: Iterable[Any]) -> list[RuleScore]:
    """One row per rule kind; `flags` are the flags raised inside the set's county."""
    flags = list(flags)
    out = []
    for kind in KINDS:
        musts = [e for e in ls.expects if e.kind == kind and e.flag]
        mine = [f for f in flags if f.rule.kind == kind]
        tp = sum(1 for f in mine if any(e.matches(f) for e in musts))
        found = sum(1 for e in musts if any(e.matches(f) for f in mine))
        out.append(
            RuleScore(
                kind, tp, len(mine) - tp, len(musts) - found, tp_cases=found, cases=len(musts)
            )
        )
    return out
