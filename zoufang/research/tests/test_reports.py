from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zoufang.research.models import Report
from zoufang.research.services import reports

SECTIONS = {
    "summary": "调研概况",
    "achievements": "扬成绩",
    "shortcomings": "补短板",
    "causes": "原因",
    "countermeasures": "理思路",
}


@pytest.fixture
def submitted(topic, researcher):
    report = reports.report_save(actor=researcher, topic=topic, data=SECTIONS, version=1)
    return reports.report_submit(actor=researcher, report=report)


def test_a_report_is_submitted_only_with_every_section(topic, researcher, client_for):
    c = client_for(researcher)
    c.post(reverse("research:report", args=[topic.pk]), {"version": 1, "summary": "只写了概况"})
    c.post(reverse("research:report_submit", args=[topic.pk]))
    assert Report.objects.get().state == Report.State.DRAFT
    c.post(reverse("research:report", args=[topic.pk]), {"version": 2, **SECTIONS})
    c.post(reverse("research:report_submit", args=[topic.pk]))
    report = Report.objects.get()
    assert report.state == Report.State.SUBMITTED
    assert report.author == researcher


def test_a_stale_edit_is_refused_and_its_text_kept(topic, researcher, office, client_for):
    client_for(office).post(
        reverse("research:report", args=[topic.pk]), {"version": 1, "summary": "专项办先写的"}
    )
    page = (
        client_for(researcher)
        .post(
            reverse("research:report", args=[topic.pk]), {"version": 1, "summary": "调研员的新文字"}
        )
        .content.decode()
    )
    assert "调研员的新文字" in page  # the editor's text is still in the form
    assert "专项办先写的" in page  # next to the version saved meanwhile
    assert Report.objects.get().summary == "专项办先写的"


def test_the_author_cannot_approve_their_own_report(topic, office, workteam):
    report = reports.report_save(actor=office, topic=topic, data=SECTIONS, version=1)
    reports.report_submit(actor=office, report=report)
    with pytest.raises(PermissionDenied):
        reports.report_review(actor=office, report=report, approve=True)
    assert Report.objects.get().state == Report.State.SUBMITTED
    reports.report_review(actor=workteam, report=report, approve=True)
    assert Report.objects.get().state == Report.State.APPROVED


def test_the_office_sends_back_with_comments_and_the_report_is_editable_again(
    submitted, office, researcher, client_for
):
    c = client_for(office)
    c.post(
        reverse("research:report_review", args=[submitted.topic_id]),
        {"decision": "return", "comment": ""},
    )
    assert Report.objects.get().state == Report.State.SUBMITTED  # a comment is required
    c.post(
        reverse("research:report_review", args=[submitted.topic_id]),
        {"decision": "return", "comment": "对策不具体"},
    )
    report = Report.objects.get()
    assert report.state == Report.State.RETURNED
    page = (
        client_for(researcher)
        .get(reverse("research:report", args=[report.topic_id]))
        .content.decode()
    )
    assert "对策不具体" in page
    assert 'name="summary"' in page


def test_a_researcher_cannot_review_and_others_get_404(
    submitted, researcher, researcher_jj, client_for
):
    url = reverse("research:report_review", args=[submitted.topic_id])
    assert client_for(researcher).post(url, {"decision": "approve"}).status_code == 403
    assert client_for(researcher_jj).post(url, {"decision": "approve"}).status_code == 404
    assert (
        client_for(researcher_jj)
        .get(reverse("research:report", args=[submitted.topic_id]))
        .status_code
        == 404
    )
    assert Report.objects.get().state == Report.State.SUBMITTED


def test_an_approved_report_is_frozen(submitted, office):
    reports.report_review(actor=office, report=submitted, approve=True)
    with pytest.raises(ValidationError):
        reports.report_save(
            actor=office, topic=submitted.topic, data=SECTIONS, version=submitted.version
        )


def test_attachments_are_checked_and_scoped(topic, researcher, researcher_jj, client_for):
    c = client_for(researcher)
    c.post(
        reverse("research:attachment_add", args=[topic.pk]),
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
    )
    c.post(
        reverse("research:attachment_add", args=[topic.pk]),
        {"file": SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4")},
    )
    report = Report.objects.get()
    assert [a.name for a in report.attachments.all()] == ["调研报告.pdf"]
    pk = report.attachments.get().pk
    assert c.get(reverse("research:attachment", args=[pk])).status_code == 200
    assert (
        client_for(researcher_jj).get(reverse("research:attachment", args=[pk])).status_code == 404
    )
