"""The audit trail as one stream an inspector reads: every change django-auditlog recorded,
every spreadsheet import and every visit submission (one entry each, not one per row they
wrote), and every opening of a sensitive clue (`FindingAccess`). Filters by person, unit,
action, record type and date range; the page and the xlsx export read the same stream.

It lives in `home` because it reads the domain apps (core may not import them). The stream is
one SQL UNION of (source, id, time) over the four tables, ordered and paged by the database;
only the page's rows are then loaded and rendered (`audit_render.entries`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import CharField, F, Model, Q, QuerySet, Value
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from zoufang.core.scope import subtree_q
from zoufang.findings.models import FindingAccess
from zoufang.org.models import Unit
from zoufang.registry.models import ImportJob
from zoufang.visits.models import Visit

# The actions an inspector filters by, with their labels.
ACTIONS = {
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "access": _("Viewed"),
    "import": _("Imported a file"),
    "visit": _("Recorded a visit"),
    "sensitive": _("Opened a sensitive clue"),
}
LOG_ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
    "access": LogEntry.Action.ACCESS,
}
LOG_ACTION_NAMES = {v: k for k, v in LOG_ACTIONS.items()}

# The tables besides auditlog's, each with the column of who and of when, and its action.
_TABLES: dict[str, tuple[type[Model], str, str, str]] = {
    "import": (ImportJob, "created_by", "created_at", "import"),
    "visit": (Visit, "recorded_by", "created_at", "visit"),
    "sensitive": (FindingAccess, "user", "at", "sensitive"),
}


def record_key(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def record_types() -> list[tuple[str, str]]:
    """(key, label) of every record type the trail holds, by label."""
    models = [*auditlog.get_models(), ImportJob, Visit, FindingAccess._meta.get_field("finding")]
    out = {}
    for m in models:
        model = getattr(m, "related_model", m)
        out[record_key(model)] = str(capfirst(model._meta.verbose_name))
    return sorted(out.items(), key=lambda kv: kv[1])


def _record_model(source: str) -> type[Model]:
    model = _TABLES[source][0]
    return model._meta.get_field("finding").related_model if source == "sensitive" else model


@dataclass(frozen=True)
class AuditFilters:
    person: str = ""
    unit: Unit | None = None
    action: str = ""
    record: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def encoded(self) -> str:
        """The filters as a query string (for the pager and the export link)."""
        q = QueryDict(mutable=True)
        for key, value in (
            ("person", self.person),
            ("unit", self.unit.pk if self.unit else ""),
            ("action", self.action),
            ("record", self.record),
            ("from", self.date_from.isoformat() if self.date_from else ""),
            ("to", self.date_to.isoformat() if self.date_to else ""),
        ):
            if value:
                q[key] = str(value)
        return q.urlencode()


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(params: QueryDict) -> AuditFilters:
    unit = None
    if params.get("unit", "").isdigit():
        unit = Unit.objects.filter(pk=int(params["unit"])).first()
    action = params.get("action", "")
    record = params.get("record", "")
    return AuditFilters(
        person=params.get("person", "").strip()[:50],
        unit=unit,
        action=action if action in ACTIONS else "",
        record=record if record in dict(record_types()) else "",
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
    )


def unit_choices() -> QuerySet[Unit]:
    """The units to filter by: the city, county bureaus and stations (not every beat)."""
    return Unit.objects.filter(level__lte=Unit.Level.STATION).order_by("path")


def start_of(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the campaign's time zone (settings.TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _common_q(f: AuditFilters, who: str, when: str) -> Q:
    """The person, unit and date filters on a table whose actor is `who` and time `when`."""
    q = Q()
    if f.person:
        q &= (
            Q(**{f"{who}__username": f.person})
            | Q(**{f"{who}__first_name__contains": f.person})
            | Q(**{f"{who}__last_name__contains": f.person})
            | Q(**{f"{who}__personnel__name__contains": f.person})
        )
    if f.unit is not None:
        q &= subtree_q(f"{who}__unit__path", f.unit.path)
    if f.date_from:
        q &= Q(**{f"{when}__gte": start_of(f.date_from)})
    if f.date_to:
        q &= Q(**{f"{when}__lt": start_of(f.date_to + dt.timedelta(days=1))})
    return q


def _rows(qs: QuerySet, source: str, when: str) -> QuerySet:
    qs = qs.order_by().annotate(src=Value(source, output_field=CharField()), audit_at=F(when))
    return qs.values_list("src", "pk", "audit_at")


def _log_part(f: AuditFilters) -> QuerySet | None:
    if f.action and f.action not in LOG_ACTIONS:
        return None
    qs = LogEntry.objects.filter(_common_q(f, "actor", "timestamp"))
    if f.action:
        qs = qs.filter(action=LOG_ACTIONS[f.action])
    if f.record:
        app_label, model = f.record.split(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    return _rows(qs, "log", "timestamp")


def stream(f: AuditFilters) -> QuerySet:
    """(source, id, time) of every entry that passes the filters, newest first."""
    parts = [p for p in [_log_part(f)] if p is not None]
    for source, (model, who, when, action) in _TABLES.items():
        if f.action and f.action != action:
            continue
        if f.record and f.record != record_key(_record_model(source)):
            continue
        parts.append(_rows(model.objects.filter(_common_q(f, who, when)), source, when))
    if not parts:
        return LogEntry.objects.none().values_list("pk", "pk", "timestamp")
    first, *rest = parts
    return (
        first.union(*rest, all=True).order_by("-audit_at", "-pk")
        if rest
        else first.order_by("-audit_at", "-pk")
    )
