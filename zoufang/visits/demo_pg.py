"""The demo's visits on PostgreSQL: tasks generated set-based (one INSERT … SELECT per chunk
of beats, the same fields as `tasks_generate` gives them: kind, walk batch, address, natural
sort key, the beat's team), visits and what hangs on them written with COPY (ids taken from
the sequence in one step), task states set from a COPYed table in one UPDATE.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from zoufang.registry.demo_pg import bulk_load, copy_rows, reserve_ids
from zoufang.visits.demo import (
    TASK_COLUMNS,
    VisitPlanner,
    appointments,
    spot_findings,
    task_state,
)
from zoufang.visits.models import ADDRESS_PROBLEMS, OUTCOME_TO_STATE, Outcome, VisitTask

CHUNK_BEATS = 150
CHUNK_TASKS = 100_000
TABLES = ("visittask", "taskevent", "visit", "visitmember", "visittopic", "visitleaflet")
TABLES += ("correctionrequest", "visitfocus")

# _natural of visits.services in SQL: every run of digits padded to six (prefix six zeros,
# then keep all but the surplus leading ones).
_NATURAL = "regexp_replace(regexp_replace(coalesce({0}, ''), '(\\d+)', '000000\\1', 'g'), '0+(\\d{{6,}})', '\\1', 'g')"
_SORT_KEY = " || '|' || ".join(
    _NATURAL.format(f"p.{c}")
    for c in ("road", "house_number", "building", "entrance", "room", "name")
)
TASKS_SQL = """
INSERT INTO visits_visittask (campaign_id, beat_id, unit_path, kind, place_id, team_id, batch,
    address, sort_key, state, attempts, retry_off_hours, method, appointment_note,
    created_at, updated_at)
SELECT %(campaign)s, p.beat_id, p.unit_path,
    CASE p.kind WHEN 'dwelling' THEN 'household' WHEN 'enterprise' THEN 'enterprise'
        ELSE 'shop' END,
    p.id, t.id,
    coalesce(nullif(left(CASE WHEN p.kind = 'dwelling' THEN p.road
        || CASE WHEN p.house_number <> '' THEN p.house_number || '号' ELSE '' END
        || CASE WHEN p.building <> '' THEN p.building || '栋' ELSE '' END
        ELSE coalesce(nullif(p.road, ''), p.address) END, 120), ''), '—'),
    CASE WHEN p.name <> '' AND p.kind <> 'dwelling' THEN p.name || ' ' ELSE '' END || p.address,
    left(SORT_KEY, 255),
    'pending', 0, false, 'normal', '', %(now)s, %(now)s
FROM registry_place p
JOIN org_team t ON t.beat_id = p.beat_id AND t.campaign_id = %(campaign)s
LEFT JOIN registry_household h ON h.place_id = p.id
WHERE p.beat_id = ANY(%(beats)s) AND p.is_active AND p.kind <> 'key_area'
    AND h.use IS DISTINCT FROM 'vacant'
ORDER BY p.id
""".replace("SORT_KEY", _SORT_KEY)  # nosec B608 # a constant expression, values bound
COMMUNITY_SQL = """
INSERT INTO visits_visittask (campaign_id, beat_id, unit_path, kind, place_id, team_id, batch,
    address, sort_key, state, attempts, retry_off_hours, method, appointment_note,
    created_at, updated_at)
SELECT %(campaign)s, b.id, b.path, 'community', NULL, t.id, b.name, b.name, '',
    'pending', 0, false, 'normal', '', %(now)s, %(now)s
FROM org_unit b LEFT JOIN org_team t ON t.beat_id = b.id AND t.campaign_id = %(campaign)s
WHERE b.id = ANY(%(beats)s)
"""
EVENTS_SQL = """
INSERT INTO visits_taskevent (task_id, action, old, new, actor_id, reason, at)
SELECT v.id, 'generate', '', coalesce(left(t.name, 200), ''), NULL, left(v.batch, 200), %(now)s
FROM visits_visittask v LEFT JOIN org_team t ON t.id = v.team_id
WHERE v.campaign_id = %(campaign)s AND v.beat_id = ANY(%(beats)s)
"""
# Demo visits are recorded on the phone at the door, a few minutes after the call ended.
RECORDED_AFTER = dt.timedelta(minutes=3)
VISIT_COLUMNS = (
    "id", "task_id", "campaign_id", "beat_id", "unit_path", "kind", "place_id", "team_id",
    "outcome", "method", "started_at", "ended_at", "form_id", "form_version", "answers",
    "note", "topic_count", "leaflet_count", "finding_count", "created_at", "client_uuid",
    "payload_hash", "registry_state", "registry_answers", "registry_error",
)  # fmt: skip


def generate_tasks(campaign: Any, beats: list[Any]) -> int:
    """Tasks for every beat's places and the beats themselves, with their 'generate' events."""
    created = 0
    now = timezone.now()
    for start in range(0, len(beats), CHUNK_BEATS):
        params = {
            "campaign": campaign.pk,
            "beats": [b.pk for b in beats[start : start + CHUNK_BEATS]],
            "now": now,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COMMUNITY_SQL, params)
            created += cursor.rowcount
            cursor.execute(TASKS_SQL, params)
            created += cursor.rowcount
            cursor.execute(EVENTS_SQL, params)
    return created


def build_visits_copy(*, campaign: Any, beats: list[Any], share: float) -> dict[str, int]:
    planner = VisitPlanner(campaign, share)
    counts = {"tasks": 0, "created": 0, "visits": 0, "touched": 0, "raised": 0}
    visited: list[tuple] = []
    with bulk_load([f"visits_{t}" for t in TABLES]):
        counts["created"] = generate_tasks(campaign, beats)
        tasks = VisitTask.objects.filter(campaign=campaign).order_by("pk")
        batch: list[tuple] = []
        for task in tasks.values_list(*TASK_COLUMNS).iterator(chunk_size=20_000):
            counts["tasks"] += 1
            batch.append(task)
            if len(batch) >= CHUNK_TASKS:
                _write_batch(campaign, planner, batch, counts, visited)
                batch = []
        _write_batch(campaign, planner, batch, counts, visited)
    counts["raised"] = spot_findings(planner.rng, campaign, visited)
    appointments(planner.rng, campaign, timezone.localdate())
    return counts


COLUMNS = {
    "visits_visit": VISIT_COLUMNS,
    "visits_visitmember": ("visit_id", "personnel_id", "unit_path", "campaign_id", "outcome"),
    "visits_visittopic": ("visit_id", "item_id"),
    "visits_visitleaflet": ("visit_id", "item_id", "quantity"),
    "visits_visitfocus": ("visit_id", "item_id", "campaign_id", "unit_path"),
    "visits_taskevent": ("task_id", "action", "old", "new", "reason", "at"),
    "visits_correctionrequest": (
        "visit_id", "task_id", "place_id", "beat_id", "unit_path", "reason", "note", "state",
        "decision_note", "created_at", "updated_at",
    ),
}  # fmt: skip


@transaction.atomic
def _write_batch(
    campaign: Any, planner: VisitPlanner, tasks: list[tuple], counts: dict, visited: list
) -> None:
    """The visits of a batch of tasks: plan them, then COPY each table and update the tasks."""
    planned = [(task, calls) for task in tasks if (calls := planner.calls(task))]
    n = sum(len(calls) for _t, calls in planned)
    if not n:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        first = reserve_ids(cursor, "visits_visit", n)
        tables, states = _batch_rows(planned, first, campaign.pk, now, visited)
        for table, rows in tables.items():
            copy_rows(cursor, table, COLUMNS[table], rows)
        _update_states(cursor, states, now)
    counts["visits"] += n
    counts["touched"] += len(planned)


def _batch_rows(
    planned: list[tuple], visit_id: int, campaign_id: int, now: Any, visited: list
) -> tuple[dict[str, list[tuple]], list[tuple]]:
    """The rows of every table for the planned calls (visit ids from `visit_id` on), and the
    tasks' new states."""
    tables: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    members, topics = tables["visits_visitmember"], tables["visits_visittopic"]
    leaflets, events = tables["visits_visitleaflet"], tables["visits_taskevent"]
    states = []
    for (pk, beat_id, path, kind, place_id, team_id, _m), calls in planned:
        for call in calls:
            task = (pk, beat_id, path, kind, place_id, team_id)
            tables["visits_visit"].append(_visit_row(visit_id, task, campaign_id, call, now))
            outcome = call["outcome"]
            members += [(visit_id, p, path, campaign_id, outcome) for p in call["present"]]
            topics += [(visit_id, t) for t in call["topics"]]
            leaflets += [(visit_id, i, q) for i, q in call["leaflets"]]
            tables["visits_visitfocus"] += [
                (visit_id, i, campaign_id, path) for i in call["focuses"]
            ]
            events.append((pk, "visit", "", OUTCOME_TO_STATE[Outcome(outcome)], "", now))
            if outcome == Outcome.VISITED:
                visited.append((visit_id, beat_id, pk, call["client_uuid"]))
            visit_id += 1
        last = calls[-1]["outcome"]
        if last in ADDRESS_PROBLEMS:
            tables["visits_correctionrequest"].append(
                (visit_id - 1, pk, place_id, beat_id, path, last, "", "open", "", now, now)
            )
        states.append((pk, *task_state(calls)))
    return tables, states


def _visit_row(visit_id: int, task: tuple, campaign_id: int, call: dict, now: Any) -> tuple:
    """A visit's row; recorded (created_at) on the spot, minutes after it ended, not `now`."""
    pk, beat_id, path, kind, place_id, team_id = task
    return (
        visit_id, pk, campaign_id, beat_id, path, kind, place_id, team_id, call["outcome"],
        call["method"], call["started_at"], call["ended_at"], call["form_id"], 1,
        json.dumps(call["answers"], ensure_ascii=False), "", call["topic_count"],
        call["leaflet_count"], 0, call["ended_at"] + RECORDED_AFTER, call["client_uuid"],
        call["payload_hash"], "", "", "",
    )  # fmt: skip


def _update_states(cursor: Any, states: list[tuple], now: Any) -> None:
    """The called tasks' state, attempts, retry flag and last visit: one UPDATE from a
    COPYed temporary table."""
    cursor.execute("DROP TABLE IF EXISTS demo_task_state")
    cursor.execute(
        "CREATE TEMP TABLE demo_task_state (id bigint PRIMARY KEY, state varchar(10), "
        "attempts smallint, retry boolean, last timestamptz) ON COMMIT DROP"
    )
    copy_rows(cursor, "demo_task_state", ("id", "state", "attempts", "retry", "last"), states)
    cursor.execute(
        "UPDATE visits_visittask t SET state = s.state, attempts = s.attempts, "
        "retry_off_hours = s.retry, last_visit_at = s.last, updated_at = %s "
        "FROM demo_task_state s WHERE t.id = s.id",
        [now],
    )
