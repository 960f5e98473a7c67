"""The inspection's rules (issue 10, item 5, as finished in the follow-up): the decompression
rule with its floor, cells without references counted per row, a large workbook inspected
while it is read (nothing written before the inspection passed), and csv files read in the
child process like every workbook."""

from __future__ import annotations

import resource
import zipfile

import pytest

from zoufang.registry.imports import reader, xlsxcheck, xlsxstream
from zoufang.registry.models import ImportJob, Person, Place
from zoufang.registry.tests import factories
from zoufang.registry.tests.test_import_hostile_files import (
    _cell,
    _header_row,
    write_far_corner,
    write_xlsx,
)


def _import(path, unit, **kw) -> ImportJob:
    return factories.import_file(path, unit, "household", **kw)


def _nothing_written() -> bool:
    return not Place.objects.exists() and not Person.objects.exists()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _good_row(n: int, id_number: str) -> str:
    cells = zip("ABCD", ["文峰路", str(n), "张三", id_number], strict=True)
    return f'<row r="{n}">{"".join(_cell(f"{c}{n}", v) for c, v in cells)}</row>'


def _inflated(path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(i.file_size for i in zf.infolist())


# ---- the decompression rule ------------------------------------------------------------------


def _small_but_repetitive(path, ids) -> None:
    """Two good rows and 300,000 empty rows: a few KB that inflate to 4.5 MB (the old rule,
    50 × the file, refused it)."""

    def rows():
        yield _header_row()
        yield _good_row(2, ids())
        yield _good_row(3, ids())
        for _ in range(30):
            yield "<row><c/></row>" * 10_000

    write_xlsx(path, "A1:D300003", rows())


def test_a_small_good_file_that_inflates_more_than_50_times_is_imported(tree, tmp_path, ids):
    path = tmp_path / "repetitive.xlsx"
    _small_but_repetitive(path, ids)
    assert _inflated(path) > 50 * path.stat().st_size  # refused by the old rule
    assert _inflated(path) > 4 * 1024 * 1024
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.accepted == 2


def test_the_floor_is_a_setting(tree, tmp_path, ids, settings):
    path = tmp_path / "repetitive.xlsx"
    _small_but_repetitive(path, ids)
    settings.REGISTRY_IMPORT_INFLATE_FLOOR_MB = 1
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "zip bomb" in job.error
    assert _nothing_written()


def test_a_zip_bomb_is_refused_before_it_is_inflated(tree, tmp_path):
    """About 150 KB that inflate to 150 MB: over both 50 × the file and the 100 MB floor."""
    path = tmp_path / "bomb.xlsx"

    def rows():
        yield _header_row()
        for _ in range(150):
            yield "<x/>" * (1 << 18)

    write_xlsx(path, "A1:D1", rows())
    assert path.stat().st_size < 1024 * 1024
    assert _inflated(path) > 100 * 1024 * 1024
    before = _rss_mb()
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "zip bomb" in job.error
    assert "Nothing was imported" in job.error
    assert _nothing_written()
    assert _rss_mb() - before < 100


def test_the_budget_is_the_larger_of_fifty_times_and_the_floor_and_never_over_1_gb():
    mb = 1 << 20
    assert xlsxcheck.inflate_budget(80 * 1024) == 100 * mb
    assert xlsxcheck.inflate_budget(10 * mb) == 500 * mb
    assert xlsxcheck.inflate_budget(100 * mb) == 1024 * mb
    assert xlsxcheck.inflate_budget(80 * 1024, floor=mb) == 50 * 80 * 1024


# ---- cells without references ----------------------------------------------------------------


def _refless_row(n: int, cells: int, text: str = "x") -> str:
    cell = f'<c t="inlineStr"><is><t>{text}</t></is></c>'
    return f'<row r="{n}">{cell * cells}</row>'


def test_cells_without_references_beyond_column_200_are_found_by_the_inspection(tmp_path):
    path = tmp_path / "wide.xlsx"
    write_xlsx(path, "A1:D2", [_header_row(), _refless_row(2, 250)])
    with pytest.raises(xlsxstream.Refused) as refused:
        xlsxcheck.inspect(str(path))
    assert refused.value.code == "columns"


def test_a_wide_row_split_across_chunks_is_counted_whole(tmp_path):
    """300 cells of 5,000 characters: the row spans two of the inspection's 1 MB chunks."""
    path = tmp_path / "wide.xlsx"
    write_xlsx(path, "A1:D2", [_header_row(), _refless_row(2, 300, "y" * 5000)])
    with pytest.raises(xlsxstream.Refused):
        xlsxcheck.inspect(str(path))
    narrow = tmp_path / "narrow.xlsx"  # 150 such cells, several rows: within the limit
    rows = [_header_row(), *(_refless_row(n, 150, "y" * 5000) for n in range(2, 6))]
    write_xlsx(narrow, "A1:D5", rows)
    assert xlsxcheck.inspect(str(narrow)) is False


def test_a_wide_row_without_references_refuses_the_import(tree, tmp_path):
    path = tmp_path / "wide.xlsx"
    write_xlsx(path, "A1:D2", [_header_row(), _refless_row(2, 250)])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "column 200" in job.error
    assert "Nothing was imported" in job.error
    assert _nothing_written()


# ---- a large workbook, inspected while it is read --------------------------------------------


@pytest.fixture
def every_xlsx_streamed(monkeypatch):
    """Every .xlsx takes the large-file path: read by the streaming reader while a second
    child inspects it."""
    monkeypatch.setattr(reader, "STREAM_XLSX_ABOVE_BYTES", 0)


def test_a_streamed_workbook_is_imported_once_its_inspection_passed(
    tree, tmp_path, ids, every_xlsx_streamed
):
    path = tmp_path / "fine.xlsx"
    write_xlsx(path, "A1:D3", [_header_row(), _good_row(2, ids()), _good_row(3, ids())])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.accepted == 2


def test_nothing_is_written_when_the_inspection_refuses_a_streamed_workbook(
    tree, tmp_path, ids, settings, every_xlsx_streamed
):
    """Good rows first: the reader hands them over at once, but the loader waits for the
    inspection, which refuses the file (too many rows)."""
    settings.REGISTRY_IMPORT_MAX_ROWS = 50
    path = tmp_path / "many.xlsx"
    write_xlsx(path, "A1:D79", [_header_row(), *(_good_row(n, ids()) for n in range(2, 80))])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "79 rows" in job.error
    assert "Nothing was imported" in job.error
    assert _nothing_written()
    assert not job.rejections.exists()


def test_a_streamed_hostile_string_is_refused_without_reading_it_to_the_end(
    tree, tmp_path, settings, every_xlsx_streamed
):
    """400 MB in one cell: the inspection refuses it at the first megabytes and stops the
    reading child, which would otherwise hold it whole. (The floor is raised to 1 GB so that
    the inflation budget does not refuse it first.)"""
    settings.REGISTRY_IMPORT_INFLATE_FLOOR_MB = 1024
    path = tmp_path / "string.xlsx"

    def rows():
        yield _header_row()
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        for _ in range(400):
            yield "a" * (1 << 20)
        yield "</t></is></c></row>"

    write_xlsx(path, "A1:D2", rows())
    before = _rss_mb()
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "32767 characters" in job.error.replace(",", "")
    assert _nothing_written()
    assert _rss_mb() - before < 100
    assert (job.finished_at - job.started_at).total_seconds() < 30


def test_a_streamed_far_corner_is_refused(tree, tmp_path, every_xlsx_streamed):
    path = tmp_path / "corner.xlsx"
    write_far_corner(path)
    job = _import(path, tree.beat_a, dry_run=True)
    assert job.status == ImportJob.Status.FAILED
    assert "column 200" in job.error
    assert _nothing_written()


# ---- csv files, read in the child process ----------------------------------------------------


def _write_csv(path, lines: list[str]) -> None:
    path.write_text("\n".join(["街路巷,门牌号,姓名,身份证号", *lines]) + "\n", encoding="utf-8")


def test_a_csv_line_that_takes_the_reader_down_fails_the_job_which_can_run_again(
    tree, tmp_path, settings, ids
):
    """One line of 30,000,000 separators: a list of 30 million cells (240 MB of pointers)
    for whoever reads it. The child dies at its memory limit, the importing process (this
    test's) does not hold it, and the job can be run again."""
    path = tmp_path / "commas.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"街路巷,门牌号,姓名,身份证号\n文峰路,1,张三,{ids()}\n")
        for _ in range(30):
            fh.write("," * 1_000_000)
        fh.write("\n")
    settings.REGISTRY_IMPORT_READER_MB = 128
    before = _rss_mb()
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "128 MB" in job.error
    assert _rss_mb() - before < 100
    assert _nothing_written()
    settings.REGISTRY_IMPORT_READER_MB = 1024  # a larger reader gets through the line…
    from zoufang.registry.imports import jobs

    job = jobs.import_job_run(job=job)
    assert job.status == ImportJob.Status.FAILED  # …and refuses its 30 million columns
    assert "column 200" in job.error
    assert _nothing_written()


def test_a_huge_csv_field_fails_with_a_message(tree, tmp_path, ids):
    path = tmp_path / "field.csv"
    _write_csv(path, [f"文峰路,1,张三,{ids()}", f'文峰路,2,"{"很长" * 100_000}",{ids()}'])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "field larger than field limit" in job.error
    assert _nothing_written()


def test_a_csv_reader_that_dies_fails_the_job_which_can_be_run_again(tree, tmp_path, settings, ids):
    path = tmp_path / "fine.csv"
    _write_csv(path, [f"文峰路,1,张三,{ids()}"])
    settings.REGISTRY_IMPORT_READER_MB = 16  # the child cannot even start: it dies
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "16 MB" in job.error
    assert _nothing_written()
    settings.REGISTRY_IMPORT_READER_MB = 1024
    from zoufang.registry.imports import jobs

    job = jobs.import_job_run(job=job)
    assert job.status == ImportJob.Status.DONE
    assert job.accepted == 1


def test_a_binary_file_named_csv_is_refused_with_a_message(tree, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\x01\x02" * 1000)
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "not a spreadsheet" in job.error
