"""Scope.sql: the jurisdiction rule for raw SQL gives exactly the rows Scope.q gives."""

from __future__ import annotations

import pytest
from django.db import connection

from zoufang.core.scope import EVERYTHING, NOTHING, Scope
from zoufang.org.models import Unit


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["county_x", "s1", "beat_a", "everything", "nothing"])
def test_sql_clause_selects_the_same_units_as_the_q(tree, which):
    scope = {
        "everything": EVERYTHING,
        "nothing": NOTHING,
    }.get(which) or Scope(path=getattr(tree, which).path)
    clause, params = scope.sql("u.path")
    with connection.cursor() as cur:
        cur.execute(f"SELECT u.id FROM org_unit u WHERE {clause}", params)  # noqa: S608
        by_sql = {row[0] for row in cur.fetchall()}
    by_q = set(Unit.objects.filter(scope.q("path")).values_list("id", flat=True))
    by_prefix = set(Unit.objects.filter(scope.prefix_q("path")).values_list("id", flat=True))
    assert by_sql == by_q == by_prefix
    if which == "county_x":
        assert tree.beat_a.id in by_sql
        assert tree.beat_b.id not in by_sql


def test_sql_refuses_anything_but_a_column_name():
    with pytest.raises(ValueError, match="not a column name"):
        Scope(path="1/").sql("path; DROP TABLE org_unit")
