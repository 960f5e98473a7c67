"""Reads of the patrol: the queue, the rules with their dismissal rates, flag counts per unit,
the notices — each starting from the reader's scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from zoufang.core.scope import Scope, subtree_q
from zoufang.org.models import Unit
from zoufang.patrol.models import Flag, FlagState, Notice, Rule
from zoufang.visits.models import Visit, VisitPhoto

if TYPE_CHECKING:
    from zoufang.org.models import User


@dataclass
class QueueFilters:
    rule: str = ""
    state: str = ""
    unit: Unit | None = None


def flag_list(user: User, campaign: Any, filters: QueueFilters) -> QuerySet[Flag]:
    qs = Flag.objects.visible_to(user).filter(campaign=campaign)
    if filters.rule:
        qs = qs.filter(rule__kind=filters.rule)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit is not None:
        qs = qs.in_subtree(filters.unit.path)
    return qs.select_related("rule", "unit", "team", "personnel").order_by("-created_at", "-pk")


def flag_state_counts(user: User, campaign: Any) -> dict[str, int]:
    rows = (
        Flag.objects.visible_to(user)
        .filter(campaign=campaign)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = {s: 0 for s in FlagState.values}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


def rule_list(campaign: Any) -> list[Rule]:
    """The campaign's rules, each with its flag counts and dismissal rate (the share of
    decided flags that were dismissed: how often the rule cries wolf)."""
    rules = list(
        Rule.objects.filter(campaign=campaign)
        .annotate(
            open_count=Count("flags", filter=Q(flags__state=FlagState.OPEN)),
            confirmed_count=Count("flags", filter=Q(flags__state=FlagState.CONFIRMED)),
            dismissed_count=Count("flags", filter=Q(flags__state=FlagState.DISMISSED)),
        )
        .order_by("pk")
    )
    for r in rules:
        decided = r.confirmed_count + r.dismissed_count
        r.dismissal_rate = round(100 * r.dismissed_count / decided) if decided else None
    return rules


def confirmed_flag_counts(
    campaign: Any, units_or_scope: Iterable[Unit] | Scope, *, per: str = "unit"
) -> dict[int, int]:
    """Confirmed flags per unit (each unit counts the flags of its whole subtree) or, with
    `per="team"`, per team, within the given units or scope. For the supervision scores."""
    qs = Flag.objects.filter(campaign=campaign, state=FlagState.CONFIRMED)
    if isinstance(units_or_scope, Scope):
        qs = qs.filter(units_or_scope.q("unit_path"))
        units = None
    else:
        units = list(units_or_scope)
        cond = Q(pk__in=[])
        for u in units:
            cond |= subtree_q("unit_path", u.path)
        qs = qs.filter(cond)
    if per == "team":
        rows = qs.filter(team__isnull=False).order_by().values("team_id").annotate(n=Count("pk"))
        return {r["team_id"]: r["n"] for r in rows}
    paths = qs.order_by().values("unit_path").annotate(n=Count("pk"))
    if units is None:
        units = list(Unit.objects.filter(pk__in=qs.values("unit_id")))
    out: dict[int, int] = {u.pk: 0 for u in units}
    for row in paths:
        for u in units:
            if Scope(path=u.path).contains(row["unit_path"]):
                out[u.pk] += row["n"]
    return out


def notice_list(user: User, campaign: Any, state: str = "") -> QuerySet[Notice]:
    qs = Notice.objects.visible_to(user).filter(campaign=campaign)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("unit", "flag__rule").order_by("state", "deadline", "-pk")


def flag_evidence(flag: Flag, user: User) -> dict[str, Any]:
    """The records behind a flag that the reader may open: visits (in scope), photos, texts."""
    from zoufang.core.scope import user_scope

    scope = user_scope(user)
    ids = [i for i in (flag.other_visit_id, flag.visit_id) if i]
    ids += [v for v in flag.evidence.get("visits", []) if isinstance(v, int)]
    visits = [
        v
        for v in Visit.objects.filter(pk__in=ids)
        .select_related("place", "team", "beat")
        .order_by("started_at")
        if scope.contains(v.unit_path)
    ]
    photo_ids = [p for p in flag.evidence.get("photos", []) if p]
    photos = list(VisitPhoto.objects.filter(pk__in=photo_ids, visit__in=visits))
    photos.sort(key=lambda p: photo_ids.index(p.pk))
    texts = []
    if flag.rule.kind == "text_copy":
        from zoufang.patrol.rules.copies import free_text_codes

        codes = free_text_codes(flag.campaign_id)
        for v in visits:
            texts.append("\n".join(str(v.answers[c]) for c in codes if v.answers.get(c)) or v.note)
    return {"visits": visits, "photos": photos, "texts": texts}
