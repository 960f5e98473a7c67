"""pgsubmit's hand-written statements. The columns its write statement names are the models'
own: a field added to Visit, VisitMember, VisitTopic, VisitFocus, VisitLeaflet or TaskEvent, or a task
column the ORM path starts to update, cannot be forgotten on the PostgreSQL path (the
statement's text is read, so those tests run on every database). The lock statement applies
the one jurisdiction rule, `Scope.sql`."""

from __future__ import annotations

import re
import uuid

import pytest
from django.apps import apps
from django.db import transaction

from zoufang.visits import pgsubmit
from zoufang.visits.models import (
    TaskEvent,
    Visit,
    VisitFocus,
    VisitLeaflet,
    VisitMember,
    VisitPhoto,
    VisitTask,
    VisitTopic,
)
from zoufang.visits.services.submit import TASK_VISIT_FIELDS

INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)")
UPDATE = re.compile(r"UPDATE (\w+)(?: \w+)?\s+SET (.*?)\s+(?:FROM|WHERE)\b", re.S)


def _written() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """({table: columns inserted}, {table: columns updated}) of the write statement."""
    sql = pgsubmit.insert_sql()
    inserts = {
        table: {c.strip().strip('"') for c in columns.split(",")}
        for table, columns in INSERT.findall(sql)
    }
    updates = {
        table: {a.split("=")[0].strip() for a in assignments.split(",")}
        for table, assignments in UPDATE.findall(sql)
    }
    return inserts, updates


def _columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields if not f.primary_key}


def test_every_inserted_table_gets_every_column_of_its_model():
    inserts, _updates = _written()
    models = {m._meta.db_table: m for m in apps.get_app_config("visits").get_models()}
    assert set(inserts) == {
        m._meta.db_table
        for m in (Visit, VisitMember, VisitTopic, VisitFocus, VisitLeaflet, TaskEvent)
    }
    for table, columns in inserts.items():
        assert columns == _columns(models[table]), table


def test_the_task_and_photos_are_updated_as_the_orm_path_updates_them():
    _inserts, updates = _written()
    task_columns = {VisitTask._meta.get_field(f).column for f in TASK_VISIT_FIELDS}
    assert updates == {
        VisitTask._meta.db_table: task_columns,
        VisitPhoto._meta.db_table: {VisitPhoto._meta.get_field("visit").column},
    }


def test_the_lock_reads_task_columns_that_exist():
    names = {f.attname for f in VisitTask._meta.concrete_fields}
    assert set(pgsubmit.TASK_FIELDS) <= names
    assert set(pgsubmit.ANSWER_FIELDS) <= {f.attname for f in Visit._meta.concrete_fields}


@pytest.mark.postgres
def test_the_lock_statement_sees_exactly_the_scopes_subtree(household_task, tree):
    from zoufang.core.scope import EVERYTHING, NOTHING, Scope

    def sees(scope: Scope) -> bool:
        with transaction.atomic():
            return pgsubmit.lock_task(scope, household_task.pk, uuid.uuid4()) is not None

    assert sees(EVERYTHING)
    assert sees(Scope(path=tree.s1.path))
    assert sees(Scope(path=tree.beat_a.path))
    assert not sees(Scope(path=tree.beat_a2.path))  # the sibling beat
    assert not sees(Scope(path=tree.county_y.path))
    assert not sees(NOTHING)
