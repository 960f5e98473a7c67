"""Files that must not bring an import down (issue 10, item 5): each is built here, refused
with one message before anything is written, read in a child process under limits, and the
test process (the web or worker process) never holds it."""

from __future__ import annotations

import random
import resource
import string
import zipfile

import pytest

from zoufang.registry.imports import readchild
from zoufang.registry.models import ImportJob, Person, Place
from zoufang.registry.tests import factories

HEADER = ["街路巷", "门牌号", "姓名", "身份证号"]
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_WORKBOOK = (
    f'<workbook {_NS} {_R}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    cells = "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def write_xlsx(path, dimension: str, rows) -> None:
    """An .xlsx whose sheet is written piece by piece (`rows` yields XML text), so that a
    hostile sheet never sits whole in the test's memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f'<worksheet {_NS}><dimension ref="{dimension}"/><sheetData>'.encode())
            for piece in rows:
                fh.write(piece.encode())
            fh.write(b"</sheetData></worksheet>")


def write_far_corner(path) -> None:
    """1.6 KB: a header, and one cell at the sheet's far corner under a dimension declaring
    every cell (calamine allocated 512 GB for it and the process aborted)."""
    write_xlsx(
        path,
        "A1:XFD1048576",
        [_header_row(), '<row r="1048576">', _cell("XFD1048576", "x"), "</row>"],
    )


def _import(path, unit, **kw) -> ImportJob:
    return factories.import_file(path, unit, "household", **kw)


def _nothing_written():
    return not Place.objects.exists() and not Person.objects.exists()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_far_corner_cell_under_a_huge_dimension_is_refused(tree, tmp_path):
    """1.6 KB; calamine allocated 512 GB for it and the process aborted."""
    path = tmp_path / "corner.xlsx"
    write_far_corner(path)
    assert path.stat().st_size < 2000
    before = _rss_mb()
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "column 200" in job.error
    assert "Nothing was imported" in job.error
    assert _nothing_written()
    assert not job.rejections.exists()
    assert _rss_mb() - before < 100


def test_an_over_declared_dimension_with_a_small_sheet_imports(tree, tmp_path, ids):
    """Real exports over-declare: the declaration is not trusted, nor refused."""
    path = tmp_path / "overdeclared.xlsx"
    row = "".join(
        _cell(f"{c}2", v) for c, v in zip("ABCD", ["文峰路", "1", "张三", ids()], strict=False)
    )
    write_xlsx(path, "A1:XFD1048576", [_header_row(), f'<row r="2">{row}</row>'])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.accepted == 1


def test_three_million_near_empty_rows_are_refused_quickly(tree, tmp_path):
    """1.3 MB of 3,000,000 rows: it blocked a request 200 s at 3 GB, and a dry run wrote
    3,000,000 rejection rows."""
    path = tmp_path / "rows.xlsx"

    def rows():
        yield _header_row()
        for _ in range(300):
            yield "<row><c/></row>" * 10_000

    write_xlsx(path, "A1:D3000001", rows())
    assert path.stat().st_size < 2 * 1024 * 1024
    job = _import(path, tree.beat_a, dry_run=True)
    assert job.status == ImportJob.Status.FAILED
    assert "Nothing was imported" in job.error
    assert not job.rejections.exists()
    assert _nothing_written()
    assert (job.finished_at - job.started_at).total_seconds() < 30


def test_more_rows_than_the_limit_are_refused(tree, tmp_path, settings, ids):
    settings.REGISTRY_IMPORT_MAX_ROWS = 50
    path = tmp_path / "many.xlsx"
    body = "".join(
        f'<row r="{n}">{_cell(f"A{n}", "文峰路")}{_cell(f"B{n}", str(n))}'
        f"{_cell(f'C{n}', '张三')}{_cell(f'D{n}', ids())}</row>"
        for n in range(2, 80)
    )
    write_xlsx(path, "A1:D79", [_header_row(), body])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "79 rows" in job.error
    assert "50" in job.error
    assert _nothing_written()


def test_one_huge_string_is_refused_without_holding_it(tree, tmp_path):
    """400 KB holding one 400 MB string (1.7 GB to read before)."""
    path = tmp_path / "string.xlsx"

    def rows():
        yield _header_row()
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        for _ in range(400):
            yield "a" * (1 << 20)
        yield "</t></is></c></row>"

    write_xlsx(path, "A1:D2", rows())
    assert path.stat().st_size < 1024 * 1024
    before = _rss_mb()
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "Nothing was imported" in job.error
    assert _nothing_written()
    assert _rss_mb() - before < 100


def test_a_cell_longer_than_excel_allows_is_refused(tree, tmp_path):
    path = tmp_path / "cell.xlsx"
    rnd = random.Random(4)
    text = "".join(rnd.choices(string.ascii_letters, k=250_000))  # does not compress 50 ×
    write_xlsx(path, "A1:D2", [_header_row(), f'<row r="2">{_cell("A2", text)}</row>'])
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "32767 characters" in job.error.replace(",", "")
    assert _nothing_written()


def test_entity_declarations_are_refused(tree, tmp_path):
    path = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            + _WORKBOOK,
        )
        zf.writestr("xl/_rels/workbook.xml.rels", _RELS)
        zf.writestr("xl/worksheets/sheet1.xml", f"<worksheet {_NS}><sheetData/></worksheet>")
    job = _import(path, tree.beat_a)
    assert job.status == ImportJob.Status.FAILED
    assert "DTD" in job.error
    assert _nothing_written()


def test_a_reader_that_dies_fails_the_job_which_can_be_run_again(tree, tmp_path, settings, ids):
    path = tmp_path / "fine.xlsx"
    row = "".join(
        _cell(f"{c}2", v) for c, v in zip("ABCD", ["文峰路", "1", "张三", ids()], strict=False)
    )
    write_xlsx(path, "A1:D2", [_header_row(), f'<row r="2">{row}</row>'])
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


@pytest.mark.parametrize("mode", ["stream", "calamine"])
def test_the_child_reads_both_ways_and_stops_over_its_memory(tmp_path, mode):
    path = tmp_path / "small.xlsx"
    write_xlsx(path, "A1:D1", [_header_row()])
    rows = list(readchild.iter_rows_in_child(str(path), mode))
    assert rows[0][1][:4] == HEADER
    with pytest.raises(readchild.ChildDied):
        list(readchild.iter_rows_in_child(str(path), mode, readchild.Limits(memory_mb=16)))


def test_the_web_request_survives_a_hostile_upload(
    officer_a, client_for, tree, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = tmp_path / "corner.xlsx"
    write_far_corner(path)
    client = client_for(officer_a)
    upload = SimpleUploadedFile("corner.xlsx", path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/registry/imports/",
            {"unit": tree.beat_a.pk, "kind": "household", "file": upload},
            follow=True,
        )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    assert job.error in page
    assert _nothing_written()


def test_the_command_refuses_with_the_message_and_lives(tree, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "corner.xlsx"
    write_far_corner(path)
    with pytest.raises(CommandError, match="column 200"):
        call_command("import_registry", str(path), "--unit", tree.beat_a.code)
    assert _nothing_written()
