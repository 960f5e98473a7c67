"""The sample files under samples/ hold every fault a bureau spreadsheet has; each is handled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import DatabaseError

from zoufang.registry.imports import jobs
from zoufang.registry.imports.places import PlaceLoader
from zoufang.registry.models import Household, ImportJob, Person, Place
from zoufang.registry.tests import factories

# Every .xlsx case runs through both readers (python-calamine and the streaming one).
pytestmark = pytest.mark.usefixtures("xlsx_reader")

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


run = factories.import_file


def reasons(job):
    return {r.row: (r.column, r.reason) for r in job.rejections.all()}


def test_the_messy_xlsx_is_read_and_every_fault_reported(tree):
    job = run(SAMPLES / "registry-households-messy.xlsx", tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    got = reasons(job)
    # Header on row 3 under a merged title row; data from row 4; a blank row at 6.
    assert job.accepted == 3
    assert Person.objects.count() == 3
    assert "stored as a number" in got[8][1]
    assert "scientific notation" in got[9][1]
    assert "17 digits" in got[10][1]
    assert "check digit" in got[11][1]
    assert "Duplicate of row 4" in got[12][1]
    assert "outside your jurisdiction" in got[13][1]
    assert {r.column for r in job.rejections.filter(row=14)} == {"联系电话", "入住日期"}
    assert job.rejected == 7
    assert all(c == "身份证号" for c, _r in (got[8], got[9], got[10], got[11]))
    # The stored report never holds a readable ID number or phone.
    personal = job.rejections.filter(column__in=["身份证号", "联系电话"])
    assert personal.count() == 6
    for rejection in personal:
        assert_unreadable(rejection.value)


def assert_unreadable(value: str) -> None:
    """Neither an ID number (18 digits) nor a phone (11) can be read from `value`: no long run
    of digits, and a value long enough to be one shows the mask (4110**********0120)."""
    assert not re.search(r"\d{7,}", value), value
    if len(value) > 8:
        assert re.search(r"\d\*{2,}", value), value
        assert not re.search(r"\d{5,}", value), value


def test_rejected_phones_and_id_numbers_are_masked_in_the_report(tree, write_csv, ids):
    header = ["街路巷", "门牌号", "姓名", "身份证号", "联系电话", "房东电话"]
    rows = [
        header,
        ["文峰路", "1", "王建国", ids(), "12803740001", ""],  # 11 digits, not a mobile
        ["文峰路", "2", "李秀英", ids(), "", "2803740001"],  # a landlord's, 10 digits
        ["文峰路", "3", "张伟", "410102198503040357", "", ""],  # check digit
    ]
    job = run(write_csv(rows), tree.beat_a)
    assert (job.accepted, job.rejected) == (0, 3)
    values = {r.row: r.value for r in job.rejections.all()}
    assert values == {2: "1280***0001", 3: "2803**0001", 4: "4101**********0357"}
    for value in values.values():
        assert_unreadable(value)


def test_full_width_digits_spaces_and_both_kinds_of_dates_are_cleaned(tree):
    run(SAMPLES / "registry-households-messy.xlsx", tree.beat_a)
    first = Person.objects.get(household__place__room="501")
    assert first.name == first.name.strip()
    assert first.phone_masked.isascii()
    assert str(first.living_since) == "2020-05-01"
    assert Person.objects.exclude(living_since=None).count() == 3
    assert Place.objects.filter(house_number="12", room="501").exists()


def test_the_messy_gbk_csv_with_a_title_row_is_read(tree):
    job = run(SAMPLES / "registry-households-messy.csv", tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected) == (5, 1)
    assert Household.objects.filter(use=Household.Use.RENTED).count() == Household.objects.count()


def test_the_clean_file_imports_and_reimports_without_change(tree):
    first = run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a)
    assert (first.accepted, first.rejected) == (30, 0)
    again = run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)


def test_a_dry_run_counts_but_writes_nothing(tree):
    job = run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a, dry_run=True)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 30)
    assert Person.objects.count() == 0
    assert Place.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "not a spreadsheet"),
        ("一,二,三\n1,2,3\n".encode(), "No header row"),
        (b"PK\x03\x04broken zip", "not a readable spreadsheet"),
    ],
)
def test_a_bad_file_gets_one_clear_message_and_nothing_written(tree, tmp_path, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    job = run(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert message in job.error
    assert Place.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(tree, settings):
    settings.REGISTRY_IMPORT_MAX_MB = 0
    job = run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "larger than" in job.error


def test_a_failed_batch_leaves_the_registry_as_before_it_and_says_which_rows_made_it(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 10)
    real = PlaceLoader.load_batch
    calls = {"n": 0}

    def flaky(self, rows, *, now):
        calls["n"] += 1
        if calls["n"] == 2:
            real(self, rows, now=now)  # writes, then the database fails: all of it rolls back
            raise DatabaseError("disk full")
        return real(self, rows, now=now)

    monkeypatch.setattr(PlaceLoader, "load_batch", flaky)
    job = run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert Person.objects.count() == 10
    assert "Rows up to 11" in job.error
    assert "disk full" in job.error
    monkeypatch.setattr(PlaceLoader, "load_batch", real)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_retry(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.count() == 30


def test_rows_are_imported_only_into_the_users_subtree(tree, officer_b):
    with pytest.raises(Exception, match="own jurisdiction"):
        run(SAMPLES / "registry-households-clean.xlsx", tree.beat_a, user=officer_b)
    assert Place.objects.count() == 0
