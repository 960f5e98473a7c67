from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from zoufang.registry.models import ImportJob, Person

# Every .xlsx case runs through both readers (python-calamine and the streaming one).
pytestmark = pytest.mark.usefixtures("xlsx_reader")

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def upload(client, unit, name="registry-households-messy.xlsx", **extra):
    with (SAMPLES / name).open("rb") as fh:
        return client.post(
            "/registry/imports/", {"kind": "household", "unit": unit.pk, "file": fh, **extra}
        )


def test_an_upload_runs_and_the_page_shows_progress_and_rejections(
    officer_a, client_for, tree, django_capture_on_commit_callbacks
):
    client = client_for(officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tree.beat_a)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registry/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page
    assert "check digit" in page or "校验码" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="progress"' in partial
    assert "hx-trigger" not in partial  # finished: polling stops
    report = client.get(f"/registry/imports/{job.pk}/report/")
    ws = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    # The rejected rows as they were, under the file's own header, with reason and column.
    assert rows[0][-2:] == ("未导入原因", "问题列")
    assert "姓名" in rows[0]
    assert len(rows) - 1 == job.rejected == len(set(job.rejections.values_list("row", flat=True)))
    assert Person.objects.count() == job.accepted


def test_a_queued_job_page_polls(officer_a, client_for, tree):
    client = client_for(officer_a)
    upload(client, tree.beat_a)  # on_commit never fires inside the test transaction: still queued
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    assert 'hx-trigger="every 1s"' in client.get(f"/registry/imports/{job.pk}/").content.decode()


def test_importing_into_another_units_subtree_is_refused(officer_a, client_for, tree):
    response = upload(client_for(officer_a), tree.beat_b)
    assert response.status_code == 200  # the form shows the error: beat B is not a choice
    assert not ImportJob.objects.exists()


def test_officer_b_gets_404_on_someone_elses_job(officer_a, officer_b, client_for, tree):
    upload(client_for(officer_a), tree.beat_a)
    job = ImportJob.objects.get()
    client = client_for(officer_b)
    assert client.get(f"/registry/imports/{job.pk}/").status_code == 404
    assert client.get(f"/registry/imports/{job.pk}/report/").status_code == 404
    assert client.post(f"/registry/imports/{job.pk}/retry/").status_code == 404


def test_a_team_member_may_not_import(member_a, client_for):
    assert client_for(member_a).get("/registry/imports/").status_code == 403


def test_templates_have_the_chinese_headers(officer_a, client_for):
    response = client_for(officer_a).get("/registry/imports/template/household/")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["社区编码", "地址编码", "街路巷"]
    assert "身份证号" in header
