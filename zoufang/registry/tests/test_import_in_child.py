"""The embedded default (eager Celery): an upload only starts the import in a child process;
the request returns at once and the page follows the job to its end."""

from __future__ import annotations

import time

import pytest

from zoufang.registry.models import ImportJob, Person
from zoufang.registry.tests.test_import_hostile_files import (
    _cell,
    _header_row,
    write_far_corner,
    write_xlsx,
)

# The tests that start a real child need a committed PostgreSQL database.


def _wait(job: ImportJob, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job.pk} still {job.status}")


def _upload(client, unit, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post("/registry/imports/", {"unit": unit.pk, "kind": "household", "file": upload})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_upload_starts_a_child_and_the_page_follows_it(
    settings, officer_a, client_for, tree, tmp_path, ids
):
    settings.REGISTRY_IMPORT_IN_CHILD = True
    path = tmp_path / "roster.xlsx"
    row = "".join(
        _cell(f"{c}2", v) for c, v in zip("ABCD", ["文峰路", "1", "张三", ids()], strict=False)
    )
    write_xlsx(path, "A1:D2", [_header_row(), f'<row r="2">{row}</row>'])
    client = client_for(officer_a)
    response = _upload(client, tree.beat_a, path)
    assert response.status_code == 302
    job = _wait(ImportJob.objects.get())
    assert job.status == ImportJob.Status.DONE, job.error
    assert Person.objects.filter(name="张三").exists()
    assert "100%" in client.get(response["Location"]).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hostile_upload_fails_in_the_child_and_can_be_run_again(
    settings, officer_a, client_for, tree, tmp_path
):
    settings.REGISTRY_IMPORT_IN_CHILD = True
    path = tmp_path / "corner.xlsx"
    write_far_corner(path)
    client = client_for(officer_a)
    _upload(client, tree.beat_a, path)
    job = _wait(ImportJob.objects.get())
    assert job.status == ImportJob.Status.FAILED
    assert job.error
    assert client.post(f"/registry/imports/{job.pk}/retry/").status_code == 302
    job = _wait(job)
    assert job.status == ImportJob.Status.FAILED
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_child_was_killed_fails_with_a_message_and_can_run_again(
    officer_a, tree, tmp_path
):
    """A child killed from outside (SIGKILL, the kernel's OOM killer) cannot mark its own job;
    the process that started it does when the child ends, so the job never stays running."""
    from zoufang.registry.imports import jobs
    from zoufang.registry.tasks import child_ended

    path = tmp_path / "roster.csv"
    path.write_text("社区编码,地址编码\n", encoding="utf-8")
    job = jobs.import_job_create(
        user=officer_a, unit=tree.beat_a, kind="household", path=path, enqueue=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    assert child_ended(job.pk, -9) is True
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "-9" in job.error
    assert job.finished

    # A job the child finished itself is left as it is, whatever the exit code.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, error="")
    assert child_ended(job.pk, 1) is False
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert child_ended(job.pk, 0) is False
