"""Routing (属地管辖、分级分类负责): the owner and deadline come from tables, not the client."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from zoufang.findings.models import FindingKind, Grade, GradeRule


def test_a_general_finding_is_owned_by_the_station_of_its_beat(raise_finding, officer_a, tree):
    f = raise_finding(officer_a)
    assert f.owner_unit == tree.s1
    assert f.owner_path == tree.s1.path
    assert f.unit_path == tree.beat_a.path
    assert f.grade == Grade.GENERAL


def test_a_serious_finding_goes_to_the_county_bureau(raise_finding, officer_a, tree):
    f = raise_finding(officer_a, grade=Grade.SERIOUS)
    assert f.owner_unit == tree.county_x


def test_a_major_finding_goes_to_the_city_with_the_county_bureau(raise_finding, officer_a, tree):
    f = raise_finding(officer_a, grade=Grade.MAJOR)
    assert f.owner_unit == tree.city
    assert f.co_unit == tree.county_x


@pytest.mark.parametrize(
    ("kind_code", "department", "co_handlers"),
    [
        ("clue-vice", "jindu", ""),
        ("clue-fraud", "xingzhen", ""),
        ("hazard-fire", "zhian", "消防救援"),
        ("hazard-production", "zhian", "应急管理、市场监管"),
    ],
)
def test_the_department_follows_the_kind(
    raise_finding, officer_a, kind_code, department, co_handlers
):
    f = raise_finding(officer_a, kind_code=kind_code)
    assert f.owner_department.code == department
    assert f.co_handlers == co_handlers


NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("grade", "deadline_days", "escalate_days"),
    [("general", 7, 3), ("serious", 3, 2), ("major", 1, 1)],  # the default catalog's table
)
def test_the_deadline_follows_the_grade_table(
    raise_finding, officer_a, grade, deadline_days, escalate_days
):
    with time_machine.travel(NOW, tick=False):
        f = raise_finding(officer_a, grade=grade)
    assert f.deadline == NOW + dt.timedelta(days=deadline_days)
    assert f.escalate_at == NOW + dt.timedelta(days=deadline_days + escalate_days)


def test_the_office_edits_the_tables_and_routing_follows(raise_finding, officer_a, tree):
    GradeRule.objects.filter(grade=Grade.GENERAL).update(owner_level=2, deadline_days=5)
    from zoufang.org.models import Department

    jd = Department.objects.get(code="jindu")
    FindingKind.objects.filter(code="dispute-neighbour").update(department=jd)
    with time_machine.travel(NOW, tick=False):
        f = raise_finding(officer_a)
    assert f.owner_unit == tree.county_x
    assert f.owner_department == jd
    assert f.deadline == NOW + dt.timedelta(days=5)


def test_visit_form_codes_are_all_kinds(catalog):
    from zoufang.campaigns.services import read_template

    codes = {
        q["finding"]
        for form in read_template()["forms"]
        for section in form["sections"]
        for q in section["questions"]
        if "finding" in q
    }
    known = set(FindingKind.objects.values_list("code", flat=True))
    assert codes <= known
