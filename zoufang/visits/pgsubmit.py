"""A visit submission's two statements on PostgreSQL, written by hand because the submission is
the hottest write of the campaign (every officer, every call, from a phone).

`lock_task` reads the task, locks its row, and brings along what the checks need: the
campaign's start, the team's members, and any visit already stored under the client UUID.
`insert_visit` writes the visit, its members, topics, inspection focuses and leaflets, attaches the photos sent
ahead by its submitter, moves the task on and records the task event, in one statement (data-modifying
`WITH`). With the token lookup, BEGIN and COMMIT a submission is five statements (it was
fourteen), with no ORM compilation on the way, and both are prepared statements.
`visit_answer` reads a resent visit's answer in one statement (it was four).
`services.submit` holds the rules; other databases (and `VISITS_PG_FAST_PATH = False`) take
the ORM path there. Both paths are tested on PostgreSQL (`tests/test_visit_submit.py`,
`tests/test_concurrency_pg.py`), and `tests/test_pgsubmit.py` holds the columns written
here to the models' (a new field cannot be forgotten on this path)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import psycopg
from django.conf import settings
from django.db import connection

from zoufang.core.scope import Scope

if TYPE_CHECKING:
    from zoufang.visits.models import TaskEvent, Visit, VisitTask

# The task's columns a submission reads, named as the model's attributes (the rest stay
# deferred on the instance).
TASK_FIELDS = (
    "id",
    "campaign_id",
    "beat_id",
    "unit_path",
    "kind",
    "place_id",
    "team_id",
    "state",
    "attempts",
    "method",
)

_LOCK = """
SELECT {columns},
       c.start_date,
       ARRAY(SELECT m.personnel_id FROM org_teammember m WHERE m.team_id = t.team_id),
       (SELECT v.id FROM visits_visit v WHERE v.client_uuid = %s),
       (SELECT v.payload_hash FROM visits_visit v WHERE v.client_uuid = %s)
  FROM visits_visittask t
  JOIN campaigns_campaign c ON c.id = t.campaign_id
 WHERE t.id = %s AND {scope}
   FOR UPDATE OF t
"""


def _cursor() -> Any:
    """A cursor that binds parameters on the server, so that PostgreSQL parses and plans each
    of the two statements once per connection (planning was about a third of their cost).
    Django's own cursors bind on the client and are never prepared, so nothing else on the
    connection changes. VISITS_PREPARED_STATEMENTS = False turns it off (a transaction-pooling
    PgBouncer older than 1.21 does not keep prepared statements). Django's query log shows
    these statements as None: psycopg keeps no text for a prepared execution."""
    if not getattr(settings, "VISITS_PREPARED_STATEMENTS", True):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django leaves preparing off; 0: on first use
        raw.prepare_threshold = 0
    return connection._prepare_cursor(psycopg.Cursor(raw))


@dataclass
class LockedRow:
    task: VisitTask
    campaign_start: dt.date
    members: set[int]
    replay: tuple[int, str] | None


def lock_task(scope: Scope, task_id: int, client_uuid: uuid.UUID) -> LockedRow | None:
    """The task if `scope` sees it, its row locked until the transaction ends; None if not.

    After waiting for the lock, PostgreSQL re-reads the task row itself but evaluates the
    subqueries with the snapshot taken before the wait, so the members and the replay seen
    here may be those of just before a concurrent submission committed. The caller looks the
    replay up again when it matters (a closed task), and the unique client UUID catches the
    rest."""
    from zoufang.visits.models import VisitTask

    # The one jurisdiction rule (core.scope), as SQL: the statement's text is one for every
    # user who sees a subtree (and one for those who see everything), so it stays prepared.
    scope_sql, scope_params = scope.sql("t.unit_path")
    sql = _LOCK.format(columns=", ".join(f"t.{c}" for c in TASK_FIELDS), scope=scope_sql)
    with _cursor() as cursor:
        cursor.execute(sql, [client_uuid, client_uuid, task_id, *scope_params])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(TASK_FIELDS)
    task = _instance(VisitTask, TASK_FIELDS, row[:n])
    start, members, replay_id, replay_hash = row[n:]
    return LockedRow(
        task=task,
        campaign_start=start,
        members=set(members),
        replay=(replay_id, replay_hash) if replay_id is not None else None,
    )


# What the phone is answered with when it resends a visit already stored (a replay).
ANSWER_FIELDS = (
    "id",
    "client_uuid",
    "task_id",
    "outcome",
    "started_at",
    "ended_at",
    "team_id",
    "topic_count",
    "leaflet_count",
    "finding_count",
)

_ANSWER = """
SELECT {columns},
       t.state,
       ARRAY(SELECT m.personnel_id FROM visits_visitmember m
              WHERE m.visit_id = v.id ORDER BY m.personnel_id),
       (SELECT count(*) FROM visits_visitphoto p WHERE p.visit_id = v.id),
       EXISTS (SELECT 1 FROM visits_wantedalert w WHERE w.visit_id = v.id)
  FROM visits_visit v
  JOIN visits_visittask t ON t.id = v.task_id
 WHERE v.id = %s
"""


def visit_answer(visit_id: int) -> tuple[Visit, str]:
    """A stored visit as the API answers with it (its members, photo count and whether its
    recorder is asked to call in attached, the rest of its fields deferred) and its task's
    state, in one statement."""
    from zoufang.visits.models import Visit

    sql = _ANSWER.format(columns=", ".join(f"v.{c}" for c in ANSWER_FIELDS))
    with _cursor() as cursor:
        cursor.execute(sql, [visit_id])
        row = cursor.fetchone()
    n = len(ANSWER_FIELDS)
    visit = _instance(Visit, ANSWER_FIELDS, row[:n])
    task_state, visit.member_ids, visit.photo_total, visit.call_in = row[n:]
    return visit, task_state


def _instance(model: Any, names: tuple[str, ...], values: tuple) -> Any:
    """A model instance from some of its columns (the others deferred). Model.from_db takes
    them in the model's field order, whatever order the statement read them in."""
    by_name = dict(zip(names, values, strict=True))
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in by_name]
    return model.from_db(connection.alias, ordered, [by_name[a] for a in ordered])


# Field types whose Python values psycopg takes as they are (Django's preparation of them does
# nothing on PostgreSQL); the others (JSON) and automatic timestamps go through the field.
_PLAIN = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "DecimalField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
        "UUIDField",
    }
)


@cache
def _visit_columns() -> tuple[tuple, tuple, str]:
    """The visit's columns: (fields, whether each needs the field's preparation, SQL list)."""
    from zoufang.visits.models import Visit

    fields = tuple(f for f in Visit._meta.concrete_fields if not f.primary_key)
    prepare = tuple(
        f.get_internal_type() not in _PLAIN
        or getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        for f in fields
    )
    return fields, prepare, ", ".join(connection.ops.quote_name(f.column) for f in fields)


_INSERT = """
WITH v AS (
    INSERT INTO visits_visit ({columns}) VALUES ({values}) RETURNING id
), members AS (
    INSERT INTO visits_visitmember (visit_id, personnel_id, unit_path, campaign_id, outcome)
    SELECT v.id, p.id, %s, %s, %s FROM v, unnest(%s::bigint[]) AS p(id)
), topics AS (
    INSERT INTO visits_visittopic (visit_id, item_id)
    SELECT v.id, i.id FROM v, unnest(%s::bigint[]) AS i(id)
), focuses AS (
    INSERT INTO visits_visitfocus (visit_id, item_id, campaign_id, unit_path)
    SELECT v.id, i.id, %s, %s FROM v, unnest(%s::bigint[]) AS i(id)
), leaflets AS (
    INSERT INTO visits_visitleaflet (visit_id, item_id, quantity)
    SELECT v.id, l.item, l.quantity FROM v, unnest(%s::bigint[], %s::integer[]) AS l(item, quantity)
), photos AS (
    UPDATE visits_visitphoto p SET visit_id = v.id FROM v
     WHERE p.visit_uuid = %s AND p.visit_id IS NULL AND p.uploaded_by_id = %s
    RETURNING p.id
), task AS (
    UPDATE visits_visittask
       SET state = %s, attempts = %s, last_visit_at = %s, retry_off_hours = %s, updated_at = %s
     WHERE id = %s
), event AS (
    INSERT INTO visits_taskevent (task_id, action, old, new, actor_id, reason, at)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
){rollups}
SELECT v.id, (SELECT count(*) FROM photos) FROM v
"""

# The rollups the visit adds to (visits/rollups.py, in its MODELS order), as parts of the same
# statement: each row of unnest(…) is one delta, in key order (`core.rollup.merge`).
_ROLLUP_CTE = """, {alias} AS (
    INSERT INTO {table} AS r ({columns})
    SELECT * FROM unnest({arrays})
    ON CONFLICT ({keys}) DO UPDATE SET {update}
)"""


_SQL_TYPES = {
    "BigIntegerField": "bigint",
    "BooleanField": "boolean",
    "CharField": "text",
    "DateField": "date",
    "ForeignKey": "bigint",
    "IntegerField": "integer",
    "PathField": "text",
    "PositiveSmallIntegerField": "smallint",
}


def _rollup_cte(n: int, model: Any) -> str:
    opts = model._meta
    names = [*model.ROLLUP_KEY, *model.ROLLUP_FIXED, *model.ROLLUP_SUMS]
    fields = [opts.get_field(name) for name in names]
    quote = connection.ops.quote_name
    cols = [quote(f.column) for f in fields]
    sums = [quote(opts.get_field(name).column) for name in model.ROLLUP_SUMS]
    return _ROLLUP_CTE.format(
        alias=f"rollup{n}",
        table=quote(opts.db_table),
        columns=", ".join(cols),
        arrays=", ".join(f"%s::{_SQL_TYPES[f.get_internal_type()]}[]" for f in fields),
        keys=", ".join(cols[: len(model.ROLLUP_KEY)]),
        update=", ".join(f"{c} = r.{c} + excluded.{c}" for c in sums),
    )


@cache
def insert_sql() -> str:
    """The write statement, with the visit's columns filled in from the model."""
    from zoufang.visits.rollups import MODELS

    fields, _prepare, columns = _visit_columns()
    ctes = "".join(_rollup_cte(n, model) for n, model in enumerate(MODELS))
    return _INSERT.format(columns=columns, values=", ".join(["%s"] * len(fields)), rollups=ctes)


def _rollup_params(counts: dict[Any, list[Any]]) -> list[list[Any]]:
    """The deltas of each rollup as one array per column (`_rollup_cte`'s unnest)."""
    from zoufang.core.rollup import merge
    from zoufang.visits.rollups import MODELS

    params: list[list[Any]] = []
    for model in MODELS:
        rows = merge(model, counts.get(model, ()))
        width = len(model.ROLLUP_KEY) + len(model.ROLLUP_FIXED) + len(model.ROLLUP_SUMS)
        columns: list[list[Any]] = [[] for _ in range(width)]
        for key, sums in rows:
            for i, value in enumerate((*key, *sums)):
                columns[i].append(value)
        params.extend(columns)
    return params


def insert_visit(
    *,
    visit: Visit,
    members: list[int],
    topics: list[int],
    leaflets: list[tuple[int, int]],
    task: VisitTask,
    event: TaskEvent,
    counts: dict[Any, list[Any]],
    focuses: list[int] = (),  # type: ignore[assignment]
) -> int:
    """Write `visit` (unsaved; its id is set here) with everything that goes with it; `task`
    carries its new state, `event` the task event and `counts` what the rollups gain. Returns the number of photos that were
    waiting for the visit. A clash on the client UUID raises IntegrityError, as the ORM would."""
    fields, prepare, _columns = _visit_columns()
    values = [
        f.get_db_prep_save(f.pre_save(visit, add=True), connection)
        if needed
        else getattr(visit, f.attname)
        for f, needed in zip(fields, prepare, strict=True)
    ]
    params = [
        *values,
        visit.unit_path,
        visit.campaign_id,
        visit.outcome,
        members,
        topics,
        visit.campaign_id,
        visit.unit_path,
        list(focuses),
        [item for item, _q in leaflets],
        [quantity for _i, quantity in leaflets],
        visit.client_uuid,
        visit.recorded_by_id,  # only the submitter's own photos sent ahead
        task.state,
        task.attempts,
        task.last_visit_at,
        task.retry_off_hours,
        task.updated_at,
        task.pk,
        event.task_id,
        event.action,
        event.old,
        event.new,
        event.actor_id,
        event.reason,
        event.at,
        *_rollup_params(counts),
    ]
    with _cursor() as cursor:
        cursor.execute(insert_sql(), params)
        visit_id, photos = cursor.fetchone()
    visit.pk = visit_id
    visit._state.adding = False
    visit._state.db = connection.alias
    return photos
