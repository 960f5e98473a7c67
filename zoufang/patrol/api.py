"""Patrol API: the flag queue and a flag's evidence, deciding a flag, the rules with their
dismissal rates, the rectification notices and the flags-over-time trend. Scoped like the
pages: a unit sees the flags and notices about itself, 404 for any other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from zoufang.core.api import ID_FILTER, BoundedLimitOffset, Id, LazyMap, responses
from zoufang.org.access import get_unit_for_user
from zoufang.patrol import access, selectors
from zoufang.patrol.models import Flag, FlagState, Notice, NoticeState, RuleKind
from zoufang.patrol.services.decide import flag_decide
from zoufang.patrol.services.run import rules_ensure
from zoufang.patrol.trend import flag_trend
from zoufang.supervision.selectors.common import current_campaign

router = Router(tags=["patrol"])


class FlagOut(Schema):
    id: int
    rule: str
    summary: str
    subject: str
    state: str
    unit_id: int
    unit_name: str
    team_id: int | None
    personnel_id: int | None
    visit_id: int | None
    other_visit_id: int | None
    finding_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    comment: str


class FlagDetailOut(FlagOut):
    evidence: dict[str, Any]
    notice_id: int | None


class DecisionIn(Schema):
    decision: str = Field(..., description="confirm or dismiss")
    comment: str = Field(..., max_length=2000)
    deadline: dt.date | None = Field(None, description="the notice's deadline (confirm)")
    requirement: str = Field("", max_length=2000, description="what must be rectified")


class RuleOut(Schema):
    id: int
    kind: str
    name: str
    enabled: bool
    params: dict[str, Any]
    open: int
    confirmed: int
    dismissed: int
    dismissal_rate: int | None = Field(None, description="percent of decided flags dismissed")


class NoticeOut(Schema):
    id: int
    flag_id: int
    unit_id: int
    unit_name: str
    state: str
    requirement: str
    deadline: dt.date
    reply: str
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None


class SeriesOut(Schema):
    key: str
    name: str
    counts: list[int]


class TrendOut(Schema):
    by: str
    days: list[dt.date]
    series: list[SeriesOut]


def flag_out(f: Flag) -> dict:
    return {
        "id": f.pk,
        "rule": f.rule.kind,
        "summary": f.summary,
        "subject": f.subject,
        "state": f.state,
        "unit_id": f.unit_id,
        "unit_name": f.unit.name,
        "team_id": f.team_id,
        "personnel_id": f.personnel_id,
        "visit_id": f.visit_id,
        "other_visit_id": f.other_visit_id,
        "finding_id": f.finding_id,
        "created_at": f.created_at,
        "decided_at": f.decided_at,
        "comment": f.comment,
    }


def _require_view(request: HttpRequest) -> None:
    if not access.may_see_queue(request.user):
        raise PermissionDenied


@router.get("/flags", response=responses(list[FlagOut], 401, 403, 404, 422))
@paginate(BoundedLimitOffset)
def flags(
    request: HttpRequest, rule: str = "", state: str = "", unit: int | None = ID_FILTER
) -> Any:
    """The patrol's flags the caller may see, newest first; filter by rule kind, state
    (open, confirmed, dismissed) and unit (its whole subtree)."""
    _require_view(request)
    filters = selectors.QueueFilters(
        rule=rule if rule in RuleKind.values else "",
        state=state if state in FlagState.values else "",
        unit=get_unit_for_user(request.user, unit) if unit else None,
    )
    return LazyMap(selectors.flag_list(request.user, current_campaign(), filters), flag_out)


@router.get("/flags/{flag_id}", response=responses(FlagDetailOut, 401, 404, 422))
def flag(request: HttpRequest, flag_id: Id) -> dict:
    """One flag with its evidence (the figures the rule kept) and its notice, if confirmed."""
    f = access.get_flag_for_user(request.user, flag_id)
    notice = Notice.objects.filter(flag=f).values_list("pk", flat=True).first()
    return {**flag_out(f), "evidence": f.evidence, "notice_id": notice}


@router.post("/flags/{flag_id}/decision", response=responses(FlagDetailOut, 401, 403, 404, 422))
def decide(request: HttpRequest, flag_id: Id, payload: DecisionIn) -> dict:
    """Confirm (a rectification notice goes to the unit) or dismiss an open flag, with a
    comment. 403 for anyone but the supervision group and the office; 422 for a flag already
    decided, a missing comment or a deadline in the past."""
    from django.core.exceptions import ValidationError

    f = access.get_flag_for_user(request.user, flag_id, decide=True)
    if payload.decision not in ("confirm", "dismiss"):
        raise ValidationError({"decision": "confirm / dismiss"})
    flag_decide(
        actor=request.user,
        flag=f,
        confirm=payload.decision == "confirm",
        comment=payload.comment,
        deadline=payload.deadline,
        requirement=payload.requirement,
    )
    return flag(request, flag_id)


@router.get("/rules", response=responses(list[RuleOut], 401, 403, 404))
def rules(request: HttpRequest) -> list:
    """The campaign's rules, their thresholds and how often each was dismissed."""
    _require_view(request)
    campaign = current_campaign()
    rules_ensure(campaign)
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "name": r.get_kind_display(),
            "enabled": r.enabled,
            "params": r.params,
            "open": r.open_count,
            "confirmed": r.confirmed_count,
            "dismissed": r.dismissed_count,
            "dismissal_rate": r.dismissal_rate,
        }
        for r in selectors.rule_list(campaign)
    ]


def notice_out(n: Notice) -> dict:
    return {
        "id": n.pk,
        "flag_id": n.flag_id,
        "unit_id": n.unit_id,
        "unit_name": n.unit.name,
        "state": n.state,
        "requirement": n.requirement,
        "deadline": n.deadline,
        "reply": n.reply,
        "replied_at": n.replied_at,
        "closed_at": n.closed_at,
    }


@router.get("/notices", response=responses(list[NoticeOut], 401, 404, 422))
@paginate(BoundedLimitOffset)
def notices(request: HttpRequest, state: str = "") -> Any:
    """Rectification notices (整改通知) the caller may see: a unit its own."""
    state = state if state in NoticeState.values else ""
    return LazyMap(selectors.notice_list(request.user, current_campaign(), state), notice_out)


@router.get("/trend", response=responses(TrendOut, 401, 403, 404, 422))
def trend(
    request: HttpRequest, by: str = "rule", unit: int | None = ID_FILTER, state: str = ""
) -> dict:
    """Flags per day, per rule (`by=rule`) or per unit under `unit` (`by=unit`; default the
    caller's own root unit). A flag is dated by the visit it is about."""
    _require_view(request)
    root = get_unit_for_user(request.user, unit) if unit else None
    t = flag_trend(
        request.user,
        current_campaign(),
        by=by,
        root=root,
        state=state if state in FlagState.values else "",
    )
    return {
        "by": t.by,
        "days": t.days,
        "series": [{"key": s.key, "name": s.name, "counts": s.counts} for s in t.series],
    }
