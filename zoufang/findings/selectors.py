"""Reads of findings, always starting from `Finding.objects.visible_to(user)`: the ledger and
queues, the page window, the timeline, figures per unit. Who may see or read a finding is
`access.py`; selectors only read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from zoufang.core.roles import Role
from zoufang.core.scope import user_scope
from zoufang.findings.access import department_q, readable_q
from zoufang.findings.actions import event_label
from zoufang.findings.models import (
    OPEN_STATES,
    Finding,
    FindingKind,
    FindingTransition,
    Grade,
    Referral,
    State,
)
from zoufang.org.models import Unit, User

# ---- lists ---------------------------------------------------------------------------------

QUEUES = ("open", "overdue", "followup", "mine", "supervised", "incoming")
# The ledger's co-handling filter: findings with a referral awaiting feedback, or past due.
REFERRAL_FILTERS = ("awaiting", "overdue")


@dataclass(frozen=True)
class LedgerFilters:
    queue: str = ""
    kind: str = ""
    grade: str = ""
    state: str = ""
    unit: Unit | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    referral: str = ""


def finding_list(user: User, filters: LedgerFilters | None = None) -> QuerySet[Finding]:
    """The ledger (台账) and the work queues, newest first."""
    f = filters or LedgerFilters()
    qs = Finding.objects.visible_to(user).select_related(
        "kind", "kind__parent", "beat", "owner_unit", "owner_department", "assignee"
    )
    scope = user_scope(user)
    if f.queue == "open":
        qs = qs.filter(state__in=OPEN_STATES)
        if scope.path:
            qs = qs.filter(scope.prefix_q("owner_path"))
    elif f.queue == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, is_overdue=True)
    elif f.queue == "followup":
        qs = qs.filter(state=State.RESOLVED)
        if not scope.everything and user.role in {Role.COMMUNITY_OFFICER, Role.TEAM_MEMBER}:
            qs = qs.filter(Q(beat_id=user.unit_id) | Q(assignee=user))
    elif f.queue == "mine":
        qs = qs.filter(Q(assignee=user) | Q(reporter=user))
    elif f.queue == "supervised":
        qs = qs.filter(supervised=True)
    elif f.queue == "incoming":
        qs = qs.filter(state=State.TRANSFER_PENDING)
        if scope.path:
            qs = qs.filter(scope.prefix_q("transfer_path"))
    if f.unit is not None:
        qs = qs.filter(Q(unit_path__startswith=f.unit.path) | Q(owner_path__startswith=f.unit.path))
    if f.kind:
        # Filtering by kind or text must not reveal restricted items: readable rows only.
        qs = qs.filter(Q(kind__code=f.kind) | Q(kind__parent__code=f.kind)).filter(readable_q(user))
    if f.referral == "awaiting":
        qs = qs.filter(pk__in=Referral.objects.awaiting().values("finding_id"))
    elif f.referral == "overdue":
        qs = qs.filter(pk__in=Referral.objects.overdue().values("finding_id"))
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.date_from:
        qs = qs.filter(created_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.q:
        qs = qs.filter(
            Q(number__startswith=f.q) | Q(description__contains=f.q) | Q(place_text__contains=f.q)
        ).filter(readable_q(user))
    return qs.order_by("-created_at", "-pk")


def referral_overdue_ids(finding_ids: list[int]) -> set[int]:
    """Which of these findings have a referral past its deadline without feedback (one query
    for a page of the ledger)."""
    if not finding_ids:
        return set()
    return set(
        Referral.objects.overdue()
        .filter(finding_id__in=finding_ids)
        .values_list("finding_id", flat=True)
    )


def department_findings(user: User) -> QuerySet[Finding]:
    """The researcher's read-only list: findings routed to their department, newest first."""
    return (
        Finding.objects.filter(department_q(user))
        .select_related("kind", "kind__parent", "owner_unit", "beat")
        .order_by("-created_at", "-pk")
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@dataclass
class Window:
    """A page without a total count: the ledger's first page costs the same in a city of
    two thousand findings or two hundred thousand (see docs/findings.md)."""

    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def window(qs: QuerySet, page: Any, per_page: int = 50) -> Window:
    """One page of `qs` in two bounded queries: the ids (no joins, so the database can walk
    the `(created_at, id)` index newest first and stop after the page), then those rows with
    their relations."""
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    ids = list(qs.values_list("pk", flat=True)[start : start + per_page + 1])
    rows = list(qs.filter(pk__in=ids[:per_page])) if ids else []
    return Window(rows=rows, number=number, has_next=len(ids) > per_page)


def my_queue_counts(user: User) -> dict[str, int]:
    """Counts for the personal queues of "my findings" (small sets: one query)."""
    qs = Finding.objects.visible_to(user)
    followup = Q(state=State.RESOLVED)
    scope = user_scope(user)
    if user.role in {Role.COMMUNITY_OFFICER, Role.TEAM_MEMBER}:
        followup &= Q(beat_id=user.unit_id) | Q(assignee=user)
    elif scope.path:
        followup &= scope.prefix_q("owner_path")
    return qs.aggregate(
        assigned=Count("pk", filter=Q(assignee=user, state__in=OPEN_STATES)),
        reported=Count("pk", filter=Q(reporter=user)),
        followup=Count("pk", filter=followup),
    )


def finding_timeline(finding: Finding) -> list[FindingTransition]:
    """The transitions, oldest first, with labels for the page (two queries in all)."""
    rows = list(
        finding.transitions.select_related("actor", "actor__personnel")
        .prefetch_related("attachments")
        .order_by("at", "pk")
    )
    for t in rows:
        t.action_label = event_label(t.action)
        t.from_label = State(t.from_state).label if t.from_state in State.values else ""
        t.to_label = State(t.to_state).label if t.to_state in State.values else ""
        t.summary = _summary(t.data or {})
    return rows


def _summary(data: dict[str, Any]) -> str:
    from django.utils.translation import gettext as _

    parts = []
    if "owner" in data:
        parts.append(_("owner: %(unit)s") % {"unit": data["owner"]})
    if "unit" in data:
        parts.append(_("to unit: %(unit)s") % {"unit": data["unit"]})
    if "to_unit" in data:
        parts.append(_("to: %(unit)s") % {"unit": data["to_unit"]})
    if "body" in data:
        parts.append(_("co-handling body: %(body)s") % {"body": data["body"]})
    if "assignee" in data:
        parts.append(_("assigned to: %(name)s") % {"name": data["assignee"]})
    if "grade" in data and isinstance(data["grade"], list):
        parts.append(
            _("grade: %(old)s → %(new)s")
            % {"old": Grade(data["grade"][0]).label, "new": Grade(data["grade"][1]).label}
        )
    if "kind" in data and isinstance(data["kind"], list):
        parts.append(
            _("kind: %(old)s → %(new)s") % {"old": data["kind"][0], "new": data["kind"][1]}
        )
    if "satisfied" in data:
        parts.append(_("satisfied") if data["satisfied"] else _("not satisfied"))
    return "; ".join(parts)


def kind_choices() -> list[FindingKind]:
    return list(
        FindingKind.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )


# ---- figures per unit ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    unit: Unit
    raised: int
    resolved: int
    on_time: int
    followed_up: int
    satisfied: int
    hours_to_triage: float | None
    hours_to_resolve: float | None
    open: int
    overdue: int

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.raised if self.raised else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.followed_up if self.followed_up else None


def _hours(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 1) if value is not None else None


def stats_units(user: User, parent: Unit | None = None) -> tuple[Unit | None, list[Unit]]:
    """The units to compare: the children of `parent` (default: the user's anchor unit; the
    county bureaus for campaign-wide roles)."""
    scope = user_scope(user)
    if parent is None:
        if scope.everything:
            return None, list(
                Unit.objects.filter(level=Unit.Level.COUNTY).order_by("sort_order", "code")
            )
        if scope.path is None:
            return None, []
        parent = user.unit
    children = list(
        Unit.objects.visible_to(user).filter(parent=parent).order_by("sort_order", "code")
    )
    return parent, children or [parent]


def finding_stats(user: User, units: list[Unit]) -> list[UnitFigures]:
    """Figures per unit (by territory) in one grouped query."""
    if not units:
        return []
    bucket = Case(
        *[When(unit_path__startswith=u.path, then=Value(u.pk)) for u in units],
        default=Value(None),
        output_field=IntegerField(),
    )
    done = Q(resolved_at__isnull=False)
    rows = (
        Finding.objects.visible_to(user)
        .annotate(bucket=bucket)
        .filter(bucket__isnull=False)
        .values("bucket")
        .annotate(
            raised=Count("pk"),
            resolved=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(was_overdue=False)),
            followed_up=Count("pk", filter=Q(followup_satisfied__isnull=False)),
            satisfied=Count("pk", filter=Q(followup_satisfied=True)),
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=Q(state__in=OPEN_STATES, is_overdue=True)),
            to_triage=Avg(
                ExpressionWrapper(F("triaged_at") - F("created_at"), output_field=DurationField())
            ),
            to_resolve=Avg(
                ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
            ),
        )
        .order_by()
    )
    by_unit = {r["bucket"]: r for r in rows}
    out = []
    for u in units:
        r = by_unit.get(u.pk, {})
        out.append(
            UnitFigures(
                unit=u,
                raised=r.get("raised", 0),
                resolved=r.get("resolved", 0),
                on_time=r.get("on_time", 0),
                followed_up=r.get("followed_up", 0),
                satisfied=r.get("satisfied", 0),
                hours_to_triage=_hours(r.get("to_triage")),
                hours_to_resolve=_hours(r.get("to_resolve")),
                open=r.get("open", 0),
                overdue=r.get("overdue", 0),
            )
        )
    return out
