"""Rejection reasons in the reader's language, whatever the language of whoever started the
job: the job page (grouped counts and row list) and the downloadable report say each reason
again from its stored msgid and parameters; reasons of older jobs show as they were stored."""

from __future__ import annotations

import io

from django.utils import translation
from openpyxl import load_workbook

from zoufang.registry.models import ImportRejection
from zoufang.registry.tests import factories


def _roster(write_csv, ids):
    good = ids()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check digit
    return write_csv(
        [
            ["街路巷", "门牌号", "姓名", "身份证号", "入住日期"],
            ["文峰路", "1", "张三", good, "2020-05-01"],
            ["文峰路", "2", "李四", bad, "2020-05-01"],
            ["文峰路", "3", "王五", ids(), "去年春天"],
            ["文峰路", "1", "张三", good, "2020-05-01"],  # a duplicate, found by the loader
        ]
    )


def _report_reasons(client, job) -> list[str]:
    content = b"".join(client.get(f"/registry/imports/{job.pk}/report/").streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return [row[-2] for row in rows[1:]]


def test_a_job_started_in_english_shows_chinese_reasons_to_a_chinese_reader(
    tree, write_csv, ids, officer_a, client_for
):
    with translation.override("en"):
        job = factories.import_file(_roster(write_csv, ids), tree.beat_a, user=officer_a)
    assert (job.accepted, job.rejected) == (1, 3)
    stored = {r.row: r.reason for r in ImportRejection.objects.filter(job=job)}
    assert "check digit" in stored[3]  # stored as worded when it ran

    client = client_for(officer_a)  # no language chosen: Chinese
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    assert "身份证号校验码错误" in page
    assert "不是有效日期:去年春天" in page
    assert "与本文件第 2 行重复" in page
    assert "check digit" not in page
    assert "Not a date" not in page
    reasons = _report_reasons(client, job)
    assert any("身份证号校验码错误" in r for r in reasons)
    assert any("与本文件第 2 行重复" in r for r in reasons)
    assert not any("check digit" in r for r in reasons)


def test_a_job_started_in_chinese_shows_english_reasons_to_an_english_reader(
    tree, write_csv, ids, officer_a, client_for
):
    with translation.override("zh-hans"):
        job = factories.import_file(_roster(write_csv, ids), tree.beat_a, user=officer_a)
    stored = {r.row: r.reason for r in ImportRejection.objects.filter(job=job)}
    assert "校验码" in stored[3]

    client = client_for(officer_a)
    client.cookies["django_language"] = "en"
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    assert "check digit is wrong" in page
    assert "Not a date: 去年春天" in page
    assert "Duplicate of row 2 in this file." in page
    assert "校验码错误" not in page
    reasons = _report_reasons(client, job)
    assert any("check digit is wrong" in r for r in reasons)
    assert not any("校验码" in r for r in reasons)


def test_reasons_of_older_jobs_show_as_they_were_stored(
    tree, write_csv, ids, officer_a, client_for
):
    job = factories.import_file(_roster(write_csv, ids), tree.beat_a, user=officer_a)
    # A job run before msgids were kept: text only.
    ImportRejection.objects.filter(job=job).update(reason="旧的原因", reason_msgid="")
    job.reason_counts, job.reason_codes = {"旧的原因": 3}, {}
    job.save()
    client = client_for(officer_a)
    client.cookies["django_language"] = "en"
    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    assert page.count("旧的原因") >= 2  # the grouped count and the rows
    assert "旧的原因" in _report_reasons(client, job)[0]
