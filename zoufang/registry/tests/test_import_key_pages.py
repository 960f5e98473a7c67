"""Key persons and key items on the import page, in the command, and the samples of the demo."""

from __future__ import annotations

import io
import shutil
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from zoufang.registry.demo import build_demo_registry, key_sample_rows
from zoufang.registry.imports import jobs
from zoufang.registry.models import Change, ImportJob, KeyItem, KeyPerson
from zoufang.registry.tests import factories

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
PERSONS_SAMPLE = SAMPLES / "registry-key-persons.xlsx"
ITEMS_SAMPLE = SAMPLES / "registry-key-items.xlsx"


def sheet_rows(content: bytes | Path) -> list[tuple]:
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    return list(load_workbook(source).active.iter_rows(values_only=True))


def template(client, kind):
    response = client.get(f"/registry/imports/template/{kind}/")
    return response, (
        sheet_rows(b"".join(response.streaming_content)) if response.status_code == 200 else []
    )


def test_the_page_offers_both_kinds_and_their_templates(officer_a, client_for):
    client = client_for(officer_a)
    page = client.get("/registry/imports/").content.decode()
    for kind in ("key_person", "key_item"):
        assert f'value="{kind}"' in page
        assert f"/registry/imports/template/{kind}/" in page
    _r, persons = template(client, "key_person")
    assert persons[0][:4] == ("身份证号", "姓名", "人员类别", "管控级别")
    _r, items = template(client, "key_item")
    assert {
        "地址编码",
        "街路巷",
        "门牌号",
        "物品种类",
        "物品名称",
        "数量",
        "持有人",
        "存放位置",
    } <= set(items[0])
    assert len(items[1]) == len(items[0])  # an example row under the header


def test_a_user_who_may_not_see_key_persons_is_not_offered_their_import(
    chief_b, officer_b, client_for, tree, write_csv
):
    # chief_b: a station chief without can_view_sensitive.
    person = factories.resident(factories.dwelling(tree.beat_b).household)
    client = client_for(chief_b)
    page = client.get("/registry/imports/").content.decode()
    assert 'value="key_person"' not in page
    assert "/registry/imports/template/key_person/" not in page
    assert 'value="key_item"' in page
    assert template(client, "key_person")[0].status_code == 404
    path = write_csv([["身份证号", "人员类别", "管控级别"], ["", "涉稳", "一般关注"]])
    with path.open("rb") as fh:
        response = client.post(
            "/registry/imports/", {"kind": "key_person", "unit": tree.beat_b.pk, "file": fh}
        )
    assert response.status_code == 200  # the form's error: not a choice for them
    assert not ImportJob.objects.exists()
    assert not KeyPerson.objects.exists()
    # A key-person import in their station (from the command line) stays hidden from them.
    job = jobs.import_job_create(
        user=None, unit=tree.beat_b, kind="key_person", path=path, enqueue=False
    )
    jobs.import_job_run(job=job)
    assert client.get(f"/registry/imports/{job.pk}/").status_code == 404
    assert client.get(f"/registry/imports/{job.pk}/report/").status_code == 404
    assert f"/registry/imports/{job.pk}/" not in client.get("/registry/imports/").content.decode()
    assert client_for(officer_b).get(f"/registry/imports/{job.pk}/").status_code == 200
    assert person.pk  # the person was there all along; only the right was missing


def test_an_upload_of_key_items_runs_from_the_page(
    officer_a, client_for, tree, write_csv, django_capture_on_commit_callbacks
):
    place = factories.enterprise(tree.beat_a).place
    path = write_csv(
        [
            ["地址编码", "物品种类", "物品名称", "数量", "计量单位"],
            [place.address_code, "剧毒化学品", "氰化钠", "20", "千克"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as fh:
        response = client_for(officer_a).post(
            "/registry/imports/", {"kind": "key_item", "unit": tree.beat_a.pk, "file": fh}
        )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/registry/imports/{job.pk}/"
    assert (job.kind, job.status, job.created) == ("key_item", ImportJob.Status.DONE, 1)
    assert KeyItem.objects.get().place == place


def test_the_command_imports_key_persons(tree, write_csv):
    person = factories.resident(
        factories.dwelling(tree.beat_a).household, id_no=(id_no := factories.id_number())
    )
    path = write_csv([["公民身份号码", "人员类别", "管控级别"], [id_no, "涉稳", "一般关注"]])
    out = StringIO()
    call_command(
        "import_registry", str(path), "--unit", tree.beat_a.code, "--kind", "key_person", stdout=out
    )
    assert "1 accepted, 0 rejected (1 new, 0 changed, 0 unchanged)" in out.getvalue()
    assert KeyPerson.objects.get().person == person


def test_the_command_dry_runs_key_items(tree, write_csv):
    place = factories.enterprise(tree.beat_a).place
    path = write_csv(
        [["地址编码", "物品种类", "物品名称"], [place.address_code, "枪支弹药", "猎枪"]]
    )
    out = StringIO()
    call_command(
        "import_registry",
        str(path),
        "--unit",
        tree.s1.code,
        "--kind",
        "key_item",
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().startswith("dry run: 1 accepted, 0 rejected (1 new")
    assert not KeyItem.objects.exists()


@pytest.fixture
def demo_beat(tree):
    """The demo's registry of its first beat (文峰社区, the officer's), exactly as `make demo`
    builds it: the demo is deterministic and the first beat comes first."""
    build_demo_registry(campaign=None, org=SimpleNamespace(beats=[tree.beat_a]), stdout=StringIO())
    return tree.beat_a


@pytest.mark.usefixtures("xlsx_reader")
def test_the_samples_import_into_the_demo_and_a_second_time_change_nothing(
    demo_beat, officer_a, tmp_path
):
    counts = {"key_person": KeyPerson.objects.count(), "key_item": KeyItem.objects.count()}
    for kind, sample in (("key_person", PERSONS_SAMPLE), ("key_item", ITEMS_SAMPLE)):
        path = tmp_path / sample.name
        shutil.copy(sample, path)
        rows = len(sheet_rows(path)) - 1
        job = jobs.import_job_run(
            job=jobs.import_job_create(
                user=officer_a, unit=demo_beat, kind=kind, path=path, enqueue=False
            )
        )
        assert (job.status, job.accepted, job.rejected) == (ImportJob.Status.DONE, rows, 0)
        # New records and changed ones, with their history.
        model = KeyPerson if kind == "key_person" else KeyItem
        assert model.objects.count() == counts[kind] + job.created > counts[kind]
        assert job.updated
        assert Change.objects.filter(job=job).count() >= job.updated
        again = jobs.import_job_run(
            job=jobs.import_job_create(
                user=officer_a, unit=demo_beat, kind=kind, path=path, enqueue=False
            )
        )
        assert (again.created, again.updated, again.unchanged) == (0, 0, rows)


def test_the_committed_samples_are_what_the_demo_writes(demo_beat):
    persons, items = key_sample_rows(demo_beat.code)
    committed = sheet_rows(PERSONS_SAMPLE)
    name_at = committed[0].index("姓名")  # names come from Faker: not part of the match

    def without_names(rows):
        return [tuple(v or "" for i, v in enumerate(r) if i != name_at) for r in rows]

    assert without_names(committed[1:]) == without_names(persons)
    assert [tuple(v or "" for v in r) for r in sheet_rows(ITEMS_SAMPLE)[1:]] == [
        tuple(r) for r in items
    ]
