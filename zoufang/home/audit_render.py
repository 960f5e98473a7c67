"""Audit entries as a person reads them: the action and the record type by their labels, each
changed field by its verbose name, values as shown on the pages (choices by label, yes/no,
times in the campaign's time zone, a linked record by its name, phone and ID numbers masked),
reverse relations left out. Loads only the rows of one page (a query per source, not per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from zoufang.core.masking import mask_id_number, mask_phone
from zoufang.findings.models import FindingAccess
from zoufang.home.audit import ACTIONS, LOG_ACTION_NAMES
from zoufang.registry.models import ImportJob
from zoufang.visits.models import Visit

# Pages of the records the audited models have (model key → URL name taking the pk).
RECORD_PAGES = {
    "org.personnel": "org:personnel_detail",
    "org.team": "org:team_detail",
    "org.unit": "org:unit_detail",
}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: dt.datetime
    who: str
    username: str
    unit: str
    action: str
    action_label: str
    record_type: str
    record: str
    url: str | None = None
    changes: list[Change] = field(default_factory=list)
    summary: str = ""

    def details(self) -> str:
        """One line for the export."""
        parts = [f"{c.label}: {c.old} → {c.new}" for c in self.changes]
        return "; ".join([*parts, self.summary] if self.summary else parts)


def _person(user: Any) -> tuple[str, str, str]:
    if user is None:
        return _("system"), "", ""
    return user.display_name, user.username, user.unit.name if user.unit_id else ""


def _entry(user: Any, action: str, **fields: Any) -> Entry:
    """An entry by `user` (None: the system) doing `action`."""
    who, username, unit = _person(user)
    label = str(ACTIONS[action])
    return Entry(who=who, username=username, unit=unit, action=action, action_label=label, **fields)


def _url(name: str, pk: Any) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


# ---- values ------------------------------------------------------------------------------


def _mask(name: str, value: str) -> str:
    if "phone" in name:
        return mask_phone(value)
    if "id_number" in name or name.endswith("_id_no"):
        return mask_id_number(value)
    return value


def _related(f: Field, value: str, cache: dict) -> str:
    key = (f.related_model, value)
    if key not in cache:
        obj = f.related_model._base_manager.filter(pk=value).first()
        cache[key] = str(obj) if obj is not None else f"#{value}"
    return cache[key]


def _value(f: Field, value: Any, cache: dict) -> str:
    """One stored value (auditlog keeps them as strings; "None" is no value) as shown."""
    if value is None or value in ("None", ""):
        return "—"
    text = str(value)
    if f.choices:
        return str(dict(f.flatchoices).get(text, text))
    kind = f.get_internal_type()
    if kind == "BooleanField":
        return _("yes") if text == "True" else _("no")
    if kind == "DateTimeField":
        moment = parse_datetime(text.replace("T", " "))
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")
    if f.many_to_one or f.one_to_one:
        return _related(f, text, cache)
    return _mask(f.name, text)


def _changes(entry: LogEntry, model: type[Model] | None, cache: dict) -> list[Change]:
    out = []
    for name, values in (entry.changes_dict or {}).items():
        if model is None:
            continue
        try:
            f = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not f.concrete or f.many_to_many or not isinstance(values, list | tuple):
            continue  # reverse relations and relation sets are not the record's own values
        old, new = [*values, None, None][:2]
        label = str(capfirst(f.verbose_name))
        out.append(Change(label, _value(f, old, cache), _value(f, new, cache)))
    return out


# ---- one entry per source ------------------------------------------------------------------


def _log_entry(e: LogEntry, cache: dict) -> Entry:
    model = e.content_type.model_class()
    key = f"{e.content_type.app_label}.{e.content_type.model}"
    action = LOG_ACTION_NAMES.get(e.action, "update")
    url = None
    if key in RECORD_PAGES and action != "delete":
        url = _url(RECORD_PAGES[key], e.object_pk)
    return _entry(
        e.actor,
        action,
        at=e.timestamp,
        record_type=str(capfirst(model._meta.verbose_name)) if model else e.content_type.name,
        record=e.object_repr,
        url=url,
        changes=_changes(e, model, cache) if action == "update" else [],
    )


def _import_entry(job: ImportJob) -> Entry:
    counts = _(
        "%(kind)s into %(unit)s: %(rows)s rows, %(accepted)s accepted, %(rejected)s rejected"
    ) % {
        "kind": job.get_kind_display(),
        "unit": job.unit.name,
        "rows": job.total_rows,
        "accepted": job.accepted,
        "rejected": job.rejected,
    }
    status = job.get_status_display() + (f" · {_('dry run')}" if job.dry_run else "")
    return _entry(
        job.created_by,
        "import",
        at=job.created_at,
        record_type=str(capfirst(ImportJob._meta.verbose_name)),
        record=job.file_name,
        url=_url("registry:import_detail", job.pk),
        summary=f"{counts} · {status}",
    )


def _visit_entry(v: Visit) -> Entry:
    where = str(v.place) if v.place_id else v.beat.name
    return _entry(
        v.recorded_by,
        "visit",
        at=v.created_at,
        record_type=str(capfirst(Visit._meta.verbose_name)),
        record=f"{v.beat.name} · {where}" if v.place_id else where,
        url=_url("visits:visit_detail", v.pk),
        summary=f"{v.get_kind_display()} · {v.get_outcome_display()}",
    )


def _access_entry(a: FindingAccess) -> Entry:
    model = FindingAccess._meta.get_field("finding").related_model
    granted = _("opened") if a.granted else _("refused")
    return _entry(
        a.user,
        "sensitive",
        at=a.at,
        record_type=str(capfirst(model._meta.verbose_name)),
        record=a.finding.number,
        url=_url("findings:detail", a.finding_id),
        summary=f"{granted} · {_('via')} {a.via}",
    )


def entries(rows: Iterable[tuple[str, int, Any]]) -> list[Entry]:
    """The entries of (source, id, time) rows, in the rows' order: a query per source."""
    rows = list(rows)
    ids: dict[str, list[int]] = {}
    for source, pk, _at in rows:
        ids.setdefault(source, []).append(pk)
    actor = ("personnel", "unit")
    loaded: dict[tuple[str, int], Entry] = {}
    cache: dict = {}
    if "log" in ids:
        qs = LogEntry.objects.select_related(
            "content_type", "actor", *[f"actor__{r}" for r in actor]
        )
        for e in qs.filter(pk__in=ids["log"]):
            loaded["log", e.pk] = _log_entry(e, cache)
    if "import" in ids:
        related = ["unit", "created_by", *[f"created_by__{r}" for r in actor]]
        for job in ImportJob.objects.select_related(*related).filter(pk__in=ids["import"]):
            loaded["import", job.pk] = _import_entry(job)
    if "visit" in ids:
        related = ["beat", "place", "recorded_by", *[f"recorded_by__{r}" for r in actor]]
        for v in Visit.objects.select_related(*related).filter(pk__in=ids["visit"]):
            loaded["visit", v.pk] = _visit_entry(v)
    if "sensitive" in ids:
        related = ["finding", "user", *[f"user__{r}" for r in actor]]
        for a in FindingAccess.objects.select_related(*related).filter(pk__in=ids["sensitive"]):
            loaded["sensitive", a.pk] = _access_entry(a)
    return [loaded[s, pk] for s, pk, _at in rows if (s, pk) in loaded]
