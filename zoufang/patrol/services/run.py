"""Running the patrol: every enabled rule over what is new since its watermark."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zoufang.patrol.models import Flag, PatrolRun, Rule
from zoufang.patrol.rules import KINDS, Hit, Window
from zoufang.patrol.rules.copies import PhotoCopy
from zoufang.patrol.services.indexes import indexes_update
from zoufang.visits.models import Visit

logger = logging.getLogger(__name__)
SAVE_EVERY = 2000


def rules_ensure(campaign) -> list[Rule]:  # type: ignore[no-untyped-def]
    """The campaign's rules, the missing kinds created with their default thresholds."""
    have = {r.kind: r for r in Rule.objects.filter(campaign=campaign)}
    for kind, cls in KINDS.items():
        if kind not in have:
            have[kind], _ = Rule.objects.get_or_create(
                campaign=campaign, kind=kind, defaults={"params": cls.defaults()}
            )
    return sorted(have.values(), key=lambda r: list(KINDS).index(r.kind))


def patrol_run(
    *, campaign, run: PatrolRun | None = None, now: dt.datetime | None = None
) -> PatrolRun:  # type: ignore[no-untyped-def]
    """Run every enabled rule once; progress is saved on `run` after each rule."""
    now = now or timezone.now()
    rules = [r for r in rules_ensure(campaign) if r.enabled]
    run = run or PatrolRun.objects.create(campaign=campaign)
    run.state, run.rules_total, run.rules_done = PatrolRun.State.RUNNING, len(rules) + 1, 0
    run.save(update_fields=["state", "rules_total", "rules_done"])
    try:
        upto = Visit.objects.filter(campaign=campaign).aggregate(m=Max("pk"))["m"] or 0
        # Seconds per step beside the counts: where a slow run spends its time.
        seconds: dict[str, float] = {}
        clock = time.perf_counter()
        run.counts = {"indexed": indexes_update(campaign.pk, upto), "seconds": seconds}
        seconds["indexed"] = round(time.perf_counter() - clock, 2)
        _progress(run)
        for rule in rules:
            clock = time.perf_counter()
            run.counts[rule.kind] = rule_run(rule_id=rule.pk, upto=upto, now=now)
            seconds[str(rule.kind)] = round(time.perf_counter() - clock, 2)
            run.new_flags += run.counts[rule.kind]
            _progress(run)
    except Exception as exc:
        logger.exception("patrol run failed", extra={"run": run.pk})
        run.state, run.error = PatrolRun.State.FAILED, str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        raise
    run.state, run.finished_at = PatrolRun.State.DONE, timezone.now()
    run.save(update_fields=["state", "finished_at", "counts", "new_flags"])
    return run


def _progress(run: PatrolRun) -> None:
    run.rules_done += 1
    run.save(update_fields=["rules_done", "counts", "new_flags"])


@transaction.atomic
def rule_run(*, rule_id: int, upto: int, now: dt.datetime) -> int:
    """One rule over the visits in (its watermark, upto]; returns the flags it added. The rule
    row is locked, so two runs at once take turns and never examine a visit twice."""
    rule = Rule.objects.select_for_update().select_related("campaign").get(pk=rule_id)
    cls = KINDS[rule.kind]
    params = {**cls.defaults(), **rule.params}
    kind = cls(rule.campaign, params, rule) if cls is PhotoCopy else cls(rule.campaign, params)
    added = flags_save(rule, kind.run(Window(since=rule.watermark, upto=upto, now=now)))
    marks = getattr(kind, "marks", {"watermark": max(rule.watermark, upto)})
    for name, value in marks.items():
        setattr(rule, name, value)
    rule.last_run_at = now
    rule.save(update_fields=[*marks, "last_run_at"])
    return added


def flags_save(rule: Rule, hits: Iterable[Hit]) -> int:
    """Store the hits as flags; a key the rule already raised is left as it is."""
    added = 0
    batch: list[Hit] = []
    for hit in hits:
        batch.append(hit)
        if len(batch) >= SAVE_EVERY:
            added += _save(rule, batch)
            batch = []
    return added + _save(rule, batch)


def _save(rule: Rule, hits: list[Hit]) -> int:
    if not hits:
        return 0
    unique = {h.key: h for h in hits}
    known = set(Flag.objects.filter(rule=rule, key__in=list(unique)).values_list("key", flat=True))
    rows = [
        Flag(
            campaign_id=rule.campaign_id,
            rule=rule,
            key=h.key,
            subject=h.subject,
            unit_id=h.unit_id,
            unit_path=h.unit_path,
            team_id=h.team_id,
            personnel_id=h.personnel_id,
            visit_id=h.visit_id,
            other_visit_id=h.other_visit_id,
            finding_id=h.finding_id,
            evidence={"args": h.args, **h.evidence},
        )
        for key, h in unique.items()
        if key not in known
    ]
    Flag.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)
