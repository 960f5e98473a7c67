"""Importing key persons (重点人员): attached to persons already in the registry, by ID number."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError

from zoufang.registry import services
from zoufang.registry.access import may_import
from zoufang.registry.imports import jobs
from zoufang.registry.imports.keyrecords import KeyRecordLoader
from zoufang.registry.models import Change, ImportJob, KeyPerson
from zoufang.registry.tests import factories

HEADER = ["身份证号", "姓名", "人员类别", "管控级别", "备注"]


def run(path, unit, *, user=None, dry_run=False):
    return factories.import_file(path, unit, "key_person", user=user, dry_run=dry_run)


def resident(beat, name="王建国"):
    place = factories.dwelling(beat)
    id_no = factories.id_number()
    return factories.resident(place.household, name=name, id_no=id_no), id_no


def reasons(job):
    return {r.row: (r.column, r.value, r.reason) for r in job.rejections.all()}


def test_key_persons_attach_to_residents_with_category_and_level(tree, write_csv, officer_a):
    wang, wang_id = resident(tree.beat_a)
    li, li_id = resident(tree.beat_a, "李四")
    path = write_csv(
        [
            HEADER,
            [wang_id, "王建国", "刑满释放人员", "重点关注", "每月见面"],
            [li_id.lower(), "李四", "肇事肇祸精神病", "严管", ""],
        ]
    )
    job = run(path, tree.beat_a, user=officer_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected, job.created) == (2, 0, 2)
    record = KeyPerson.objects.get(person=wang)
    assert (record.category, record.control_level, record.note) == (
        KeyPerson.Category.RELEASED,
        KeyPerson.Level.FOCUS,
        "每月见面",
    )
    assert record.unit_path == wang.unit_path
    assert KeyPerson.objects.get(person=li).control_level == KeyPerson.Level.CONTROL


def test_the_same_file_again_changes_nothing(tree, write_csv):
    _p, id_no = resident(tree.beat_a)
    path = write_csv([HEADER, [id_no, "", "涉毒", "一般关注", "见面核查"]])
    run(path, tree.beat_a)
    before = KeyPerson.objects.get()
    again = run(path, tree.beat_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert not Change.objects.filter(job=again).exists()
    assert KeyPerson.objects.get().updated_at == before.updated_at


def test_a_change_is_written_with_history_and_a_blank_cell_keeps_the_value(tree, write_csv):
    person, id_no = resident(tree.beat_a)
    services.key_person_set(
        person=person,
        category="drugs",
        control_level="watch",
        note="见面核查",
        by=services.Edit(None),
    )
    job = run(write_csv([HEADER, [id_no, "", "", "严格管控", ""]]), tree.beat_a)
    assert (job.created, job.updated, job.unchanged) == (0, 1, 0)
    record = KeyPerson.objects.get()
    assert (record.category, record.control_level, record.note) == ("drugs", "control", "见面核查")
    change = Change.objects.get(job=job)
    assert (change.entity, change.object_id, change.field) == (
        "key_person",
        record.pk,
        "control_level",
    )
    assert (change.old, change.new, change.source) == ("watch", "control", "import")


def test_persons_not_in_the_registry_or_outside_the_jurisdiction_are_rejected(
    tree, write_csv, officer_a
):
    _inside, inside_id = resident(tree.beat_a)
    outsider, outside_id = resident(tree.beat_b, "赵五")
    unknown_id = factories.id_number()
    path = write_csv(
        [
            HEADER,
            [inside_id, "", "涉稳", "一般关注", ""],
            [unknown_id, "钱六", "涉稳", "一般关注", ""],
            [outside_id, "赵五", "涉稳", "一般关注", ""],
        ]
    )
    job = run(path, tree.beat_a, user=officer_a)
    assert (job.accepted, job.rejected) == (1, 2)
    got = reasons(job)
    assert "not in the registry: import the household first" in got[3][2]
    assert "registered in another jurisdiction" in got[4][2]
    assert not KeyPerson.objects.filter(person=outsider).exists()
    # The stored report names the row and its person, never a full ID number.
    for column, value, _reason in got.values():
        assert column == "身份证号"
        assert unknown_id not in value
        assert outside_id not in value
        assert "*" in value
    assert got[3][1].startswith("钱六 ")


def test_duplicates_within_the_file_are_rejected_naming_the_first_row(tree, write_csv, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)  # the repeat lands in a later batch too
    a, a_id = resident(tree.beat_a)
    b, b_id = resident(tree.beat_a)
    path = write_csv(
        [
            HEADER,
            [a_id, "", "涉稳", "一般关注", ""],
            [a_id, "", "涉毒", "严格管控", ""],
            [b_id, "", "在逃", "严格管控", ""],
            [b_id, "", "在逃", "一般关注", ""],
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (2, 2)
    got = reasons(job)
    assert "Duplicate of row 2" in got[3][2]
    assert "Duplicate of row 4" in got[5][2]
    # The first row of each person is the one loaded.
    assert KeyPerson.objects.get(person=a).category == KeyPerson.Category.STABILITY
    assert KeyPerson.objects.get(person=b).control_level == KeyPerson.Level.CONTROL


def test_a_new_key_person_needs_a_known_category_and_a_level(tree, write_csv):
    _a, a_id = resident(tree.beat_a)
    _b, b_id = resident(tree.beat_a)
    _c, c_id = resident(tree.beat_a)
    path = write_csv(
        [
            HEADER,
            [a_id, "", "", "一般关注", ""],
            [b_id, "", "涉稳", "", ""],
            [c_id, "", "可疑人员", "一般关注", ""],
            ["110105194912310021", "", "涉稳", "一般关注", ""],  # wrong check digit
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (0, 4)
    got = reasons(job)
    assert got[2][0] == "人员类别"
    assert "人员类别 is missing: a new key person needs it" in got[2][2]
    assert got[3][0] == "管控级别"
    assert "Unknown value 可疑人员" in got[4][2]
    assert got[5][0] == "身份证号"
    assert not KeyPerson.objects.exists()


def test_a_dry_run_counts_and_writes_nothing(tree, write_csv):
    _p, id_no = resident(tree.beat_a)
    job = run(write_csv([HEADER, [id_no, "", "涉稳", "一般关注", ""]]), tree.beat_a, dry_run=True)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 1)
    assert not KeyPerson.objects.exists()


def test_a_failed_batch_can_be_run_again(
    tree, write_csv, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)
    rows = [[resident(tree.beat_a)[1], "", "涉稳", "一般关注", ""] for _ in range(3)]
    real = KeyRecordLoader.load_batch
    calls = {"n": 0}

    def flaky(self, staged, *, now):
        calls["n"] += 1
        if calls["n"] == 2:
            real(self, staged, now=now)  # writes, then the database fails: it rolls back
            raise DatabaseError("disk full")
        return real(self, staged, now=now)

    monkeypatch.setattr(KeyRecordLoader, "load_batch", flaky)
    job = run(write_csv([HEADER, *rows]), tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert KeyPerson.objects.count() == 1
    assert "disk full" in job.error
    monkeypatch.setattr(KeyRecordLoader, "load_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_retry(job=job)
    job.refresh_from_db()
    assert (job.status, job.created, job.unchanged) == (ImportJob.Status.DONE, 2, 1)
    assert KeyPerson.objects.count() == 3


def test_a_role_that_may_not_see_key_persons_may_not_import_them(tree, write_csv, chief_b):
    # chief_b is a station chief without can_view_sensitive.
    _p, id_no = resident(tree.beat_b)
    path = write_csv([HEADER, [id_no, "", "涉稳", "一般关注", ""]])
    with pytest.raises(PermissionDenied, match="key persons"):
        run(path, tree.beat_b, user=chief_b)
    assert not ImportJob.objects.exists()
    assert not KeyPerson.objects.exists()
    # The other kinds stay open to them.
    assert may_import(chief_b, tree.beat_b, "key_item")
