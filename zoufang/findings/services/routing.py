"""Routing (属地管辖、分级分类负责): who owns a finding of a kind and grade in a beat, its
deadline and its second deadline, from the office's grade rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zoufang.findings.models import Finding, FindingKind, Grade, GradeRule
from zoufang.org.models import Unit

# Used when the office has deleted a grade rule: the seed's defaults.
DEFAULT_RULES = {
    Grade.GENERAL: GradeRule(
        grade=Grade.GENERAL, owner_level=3, deadline_days=7, escalate_after_days=3
    ),
    Grade.SERIOUS: GradeRule(
        grade=Grade.SERIOUS, owner_level=2, deadline_days=3, escalate_after_days=2
    ),
    Grade.MAJOR: GradeRule(
        grade=Grade.MAJOR,
        owner_level=1,
        county_co_handles=True,
        deadline_days=1,
        escalate_after_days=1,
    ),
}


@dataclass(frozen=True)
class Route:
    owner_unit: Unit
    co_unit: Unit | None
    department_id: int | None
    co_handlers: str
    deadline_days: int
    escalate_after_days: int


def grade_rule(grade: str) -> GradeRule:
    rule = GradeRule.objects.filter(grade=grade).first()
    return rule or DEFAULT_RULES[Grade(grade)]


def route(*, kind: FindingKind, grade: str, beat: Unit) -> Route:
    """Who owns a finding of this kind and grade in this beat (属地管辖、分级分类负责)."""
    rule = grade_rule(grade)
    codes = [c for c in beat.path.split("/") if c]
    chain = {u.level: u for u in Unit.objects.filter(code__in=codes)}
    owner = chain.get(rule.owner_level)
    if owner is None:  # a tree missing that level: the nearest unit above the beat
        owner = next((chain[lvl] for lvl in sorted(chain, reverse=True) if lvl < beat.level), beat)
    co_unit = chain.get(Unit.Level.COUNTY) if rule.county_co_handles else None
    department_id = kind.department_id
    if department_id is None and kind.parent_id:
        department_id = kind.parent.department_id
    return Route(
        owner_unit=owner,
        co_unit=co_unit if co_unit and co_unit.pk != owner.pk else None,
        department_id=department_id,
        co_handlers=kind.co_handlers or (kind.parent.co_handlers if kind.parent_id else ""),
        deadline_days=rule.deadline_days,
        escalate_after_days=rule.escalate_after_days,
    )


def apply_route(finding: Finding, r: Route, *, start: dt.datetime) -> None:
    finding.owner_unit = r.owner_unit
    finding.owner_path = r.owner_unit.path
    finding.co_unit = r.co_unit
    finding.owner_department_id = r.department_id
    finding.co_handlers = r.co_handlers
    finding.deadline = start + dt.timedelta(days=r.deadline_days)
    finding.escalate_at = finding.deadline + dt.timedelta(days=r.escalate_after_days)
