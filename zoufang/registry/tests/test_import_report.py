"""A rejection report people can fix (issue 10, item 4), bounded dry runs and the early stop."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from zoufang.registry.imports import jobs
from zoufang.registry.models import ImportJob, ImportRejection, Person
from zoufang.registry.normalize import mask_id
from zoufang.registry.tests import factories

HEADER = ["备注", "街路巷", "门牌号", "姓名", "身份证号", "联系电话"]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _read(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_the_report_gives_the_rows_back_to_fix_and_import_again(
    officer_a, client_for, tree, tmp_path, ids
):
    good, fixed = ids(), ids()
    bad = fixed[:-1] + ("0" if fixed[-1] != "0" else "1")  # a wrong check digit
    path = _xlsx(
        tmp_path / "roster.xlsx",
        [
            ["文峰社区住户登记表"],
            HEADER,
            ["一楼", "文峰路", "1", "张三", good, "13803740001"],
            ["二楼", "文峰路", "2", "李四", bad, "13803740002"],
            ["三楼", "文峰路", "3", "王五", ids(), "12345"],
        ],
    )
    job = factories.import_file(path, tree.beat_a, "household", user=officer_a)
    assert (job.accepted, job.rejected) == (1, 2)

    client = client_for(officer_a)  # the beat's officer may see full values
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    assert 'id="reasons"' in page
    assert "1 行" in page
    rows = _read(b"".join(client.get(f"/registry/imports/{job.pk}/report/").streaming_content))
    assert rows[0] == (*HEADER, "未导入原因", "问题列")
    assert rows[1][:6] == ("二楼", "文峰路", "2", "李四", bad, "13803740002")
    assert "校验码" in rows[1][6]  # in the reader's language (Chinese), not the starter's
    assert rows[1][7] == "身份证号"
    assert rows[2][5] == "12345"
    assert rows[2][7] == "联系电话"

    # Fixed in place and imported again as it is: the two added columns are ignored.
    fixed_rows = [list(rows[0]), [*rows[1][:4], fixed, *rows[1][5:]], list(rows[2])]
    fixed_rows[2][5] = "13803740003"
    again = factories.import_file(
        _xlsx(tmp_path / "fixed.xlsx", fixed_rows), tree.beat_a, "household", user=officer_a
    )
    assert (again.accepted, again.rejected) == (2, 0), again.error
    assert Person.objects.count() == 3


def test_the_report_masks_personal_cells_for_who_may_not_see_them(tree, tmp_path, ids, chief_b):
    number = ids()
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    path = _xlsx(tmp_path / "r.xlsx", [HEADER, ["", "文峰路", "2", "李四", bad, "13803740002"]])
    job = factories.import_file(path, tree.beat_a, "household")
    stored = ImportRejection.objects.get(job=job)
    assert bad not in str(stored.cells)  # sealed at rest
    rows = list(jobs.import_report_rows(job, full=False))
    assert rows[0][4] == mask_id(bad)
    assert rows[0][5] == "138****0002"
    assert next(iter(jobs.import_report_rows(job, full=True)))[4] == bad


def test_a_dry_run_keeps_a_bounded_sample_and_counts_every_reason(
    tree, write_csv, monkeypatch, ids
):
    monkeypatch.setattr(jobs, "DRY_RUN_SAMPLE", 50)
    monkeypatch.setattr(jobs, "EARLY_STOP_AFTER", 10**9)
    rows = [HEADER] + [["", "文峰路", str(n), "张三", "12345", ""] for n in range(400)]
    job = factories.import_file(write_csv(rows), tree.beat_a, "household", dry_run=True)
    assert job.status == ImportJob.Status.DONE
    assert job.rejected == 400
    assert job.rejections.count() == 50
    assert sum(job.reason_counts.values()) == 400


def test_a_file_mostly_rejected_stops_early_with_its_first_reasons(tree, write_csv, ids):
    rows = [HEADER] + [["", "文峰路", str(n), "张三", "12345", ""] for n in range(6_000)]
    rows += [["", "文峰路", "x", "李四", ids(), ""]]
    job = factories.import_file(write_csv(rows), tree.beat_a, "household")
    assert job.status == ImportJob.Status.FAILED
    assert "does not look like a roster" in job.error
    assert "18 characters" in job.error
    assert job.processed_rows < 6_000  # stopped before the end
    assert not Person.objects.exists()


def test_a_row_the_loader_rejects_comes_back_with_its_cells(tree, write_csv, ids):
    """A duplicate is found by the loader, not while the row is prepared: its cells are read
    again from the file once the job has run."""
    number = ids()
    rows = [
        HEADER,
        ["甲", "文峰路", "1", "张三", number, ""],
        ["乙", "文峰路", "1", "张三", number, ""],
    ]
    for dry_run in (True, False):
        job = factories.import_file(write_csv(rows), tree.beat_a, "household", dry_run=dry_run)
        assert job.rejected == 1
        (line,) = jobs.import_report_rows(job, full=True)
        assert line[:5] == ["乙", "文峰路", "1", "张三", number]
        assert "Duplicate of row 2" in line[6]
