"""The public's words, grouped: the opinions and suggestions residents gave officers on the
visit forms (`visits.VisitOpinion`: the household form's 对公安工作的意见和建议 and the village
form's) and the suggestions filed on the public page (findings with `Source.PUBLIC`), grouped
by keyword per unit and per department (docs/decisions/0027-public-words.md).

Which department a visit opinion concerns comes from the areas the officer ticked with it
(意见建议涉及方面): `AREA_DEPARTMENTS` maps each area to a department code of the template;
an opinion with no mapped area belongs to no department (it is still counted per unit). A
public-page finding's department is the one the findings routing gave it.

Who reads what: the office and the leadership everything; a department researcher the words
about their department, city-wide (text only: no names, places or phones, numbers masked);
nobody else (the page is part of the research).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from zoufang.core.logging import mask_personal_numbers
from zoufang.core.scope import subtree_q
from zoufang.findings.models import Finding, Source
from zoufang.org.models import Department
from zoufang.research.access import is_researcher, sees_all_research
from zoufang.research.keywords import Group, keyword_groups
from zoufang.visits.models import VisitOpinion

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit, User

# 意见建议涉及方面 (the household form's choices) → the department that owns the area.
AREA_DEPARTMENTS = {
    "治安防控": "zhian",
    "交通管理": "jiaojing",
    "户政服务": "huzheng",
    "窗口服务": "huzheng",
    "执法规范": "ducha",
    "警民联系": "zhengzhi",
}
# The newest texts grouped per page: jieba ranks about two thousand short texts a second.
GROUP_LIMIT = 2000


@dataclass
class Words:
    total: int  # texts in the selection
    grouped: int  # of which the newest, grouped
    groups: list[Group]


def _areas_of(department: Department) -> list[str]:
    return [a for a, code in AREA_DEPARTMENTS.items() if code == department.code]


def _opinion_q(department: Department) -> Q:
    q = Q(pk__in=[])
    for area in _areas_of(department):
        # JSON list membership on both databases: the stored text holds the quoted area,
        # as is (PostgreSQL's jsonb) or \u-escaped (Django's json.dumps on SQLite).
        q |= Q(areas__icontains=f'"{area}"') | Q(areas__icontains=json.dumps(area))
    return q


def public_texts(
    user: User,
    campaign: Campaign | None,
    *,
    unit: Unit | None = None,
    department: Department | None = None,
) -> tuple[int, list[str]]:
    """How many texts the selection holds, and the newest `GROUP_LIMIT` of them (masked)."""
    if is_researcher(user) and not sees_all_research(user):
        department = user.department
    elif not sees_all_research(user):
        return 0, []
    opinions = VisitOpinion.objects.all()
    findings = Finding.objects.filter(source=Source.PUBLIC, sensitive=False)
    if campaign is not None:
        opinions = opinions.filter(campaign=campaign)
        findings = findings.filter(campaign=campaign)
    if unit is not None:
        opinions = opinions.filter(subtree_q("unit_path", unit.path))
        findings = findings.filter(subtree_q("unit_path", unit.path))
    if department is not None:
        opinions = opinions.filter(_opinion_q(department))
        findings = findings.filter(owner_department=department)
    total = opinions.count() + findings.count()
    rows = list(opinions.order_by("-created_at").values_list("created_at", "text")[:GROUP_LIMIT])
    rows += list(
        findings.order_by("-created_at").values_list("created_at", "description")[:GROUP_LIMIT]
    )
    rows.sort(key=lambda r: r[0], reverse=True)
    return total, [mask_personal_numbers(text) for _at, text in rows[:GROUP_LIMIT]]


def public_words(
    user: User,
    campaign: Campaign | None,
    *,
    unit: Unit | None = None,
    department: Department | None = None,
) -> Words:
    total, texts = public_texts(user, campaign, unit=unit, department=department)
    return Words(total=total, grouped=len(texts), groups=keyword_groups(texts))
