"""The audit trail is a page an inspector can use: actions and fields by their Chinese labels,
values as a person reads them, no reverse relations, times in the campaign's time zone; every
import and every visit submission as one entry linking to its record; the openings of
sensitive clues; filters, paging and an xlsx export; only the office and supervisors read it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from zoufang.core.tests.exports import export_table
from zoufang.findings.services.audit import record_access
from zoufang.findings.services.create import finding_create
from zoufang.org import services as org_services
from zoufang.org.models import User
from zoufang.registry.tests import factories as reg
from zoufang.visits.tests.factories import record

AUDIT = reverse("audit_log")


def _entries(page: str) -> list[str]:
    items = re.findall(r'<li class="list-group-item" data-action="\w+">(.*?)</li>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", i)).strip() for i in items]


def _change_phone(client, person, phone):
    data = {
        "name": person.name,
        "kind": person.kind,
        "post": person.post,
        "police_number": person.police_number,
        "phone": phone,
        "unit": person.unit_id,
        "year_joined": person.year_joined,
        "deployed_to": person.deployed_to_id or "",
        "is_active": "on",
    }
    response = client.post(reverse("org:personnel_edit", args=[person.pk]), data)
    assert response.status_code == 302


def test_a_change_reads_in_chinese_with_labels_and_masked_values(office, people, client_for):
    client = client_for(office)
    _change_phone(client, people.aux_a, "13912345678")
    officer = User.objects.create_user("newcomer", role="")
    officer.is_superuser = True
    officer.date_joined = dt.datetime(2026, 1, 1, 2, 0, tzinfo=dt.UTC)
    officer.save()
    org_services.api_token_create(user=officer)
    page = client.get(AUDIT).content.decode()
    rows = _entries(page)
    phone = next(r for r in rows if "李辅警" in r and "修改" in r)
    assert "13912345678" not in page
    assert "139****5678" in phone
    assert "phone" not in phone
    user_row = next(r for r in rows if "newcomer" in r and "修改" in r)
    # Field labels, not names; yes/no, not True/False; local time, not UTC; no reverse relation.
    assert "超级用户状态" in user_row
    assert "is_superuser" not in page
    assert "是" in user_row
    assert "True" not in user_row
    assert "2026-01-01 10:00" in user_row
    assert "api_tokens" not in page
    assert "ApiToken" not in page
    for raw in ("update", "create", "None"):
        assert raw not in " ".join(rows), raw


def _household_file(tmp_path):
    path = tmp_path / "households.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["街路巷", "门牌号", "楼栋", "单元", "房号", "房屋用途", "姓名", "身份证号"])
        w.writerows(
            ["审计路", str(n), "", "", "", "自住", f"居民{n}", reg.id_number()] for n in (1, 2, 3)
        )
    return path


def test_imports_visits_and_sensitive_openings_are_one_entry_each(
    office, supervisor, officer_a, tree, tasks, places, client_for, tmp_path, settings, catalog
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = reg.import_file(_household_file(tmp_path), tree.beat_a, "household", user=officer_a)
    assert job.accepted == 3
    visit = record(tasks[places.dwellings[0].pk], officer_a)
    clue = finding_create(
        actor=None, kind_code="clue-terror", beat=tree.beat_b, description="散布极端言论"
    ).finding
    record_access(supervisor, clue, via="page")
    page = client_for(office).get(AUDIT).content.decode()
    rows = _entries(page)
    imports = [r for r in rows if "导入" in r]
    assert len(imports) == 1, imports
    assert "households.csv" in imports[0]
    assert reverse("registry:import_detail", args=[job.pk]) in page
    visits = [r for r in rows if "走访登记" in r]
    assert len(visits) == 1, visits
    assert reverse("visits:visit_detail", args=[visit.pk]) in page
    openings = [r for r in rows if clue.number in r]
    assert len(openings) == 1
    assert "supervisor" in openings[0]
    assert "散布极端言论" not in page
    # The filters narrow the stream to what was asked.
    only_visits = _entries(client_for(office).get(AUDIT, {"action": "visit"}).content.decode())
    assert len(only_visits) == 1
    by_type = client_for(office).get(AUDIT, {"record": "registry.importjob"}).content.decode()
    assert len(_entries(by_type)) == 1
    by_person = _entries(client_for(office).get(AUDIT, {"person": "supervisor"}).content.decode())
    assert by_person
    assert all("supervisor" in r for r in by_person)
    by_unit = _entries(client_for(office).get(AUDIT, {"unit": tree.county_y.pk}).content.decode())
    assert by_unit == []
    assert _entries(client_for(office).get(AUDIT, {"unit": tree.county_x.pk}).content.decode())
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert _entries(client_for(office).get(AUDIT, {"from": tomorrow}).content.decode()) == []


def test_the_export_holds_the_filtered_entries_with_labels(office, people, client_for):
    client = client_for(office)
    _change_phone(client, people.aux_a, "13912345678")
    response = client.get(AUDIT, {"action": "update", "export": "xlsx"})
    rows = export_table(response)
    assert len(rows) >= 2
    text = repr(rows[1:])
    assert "李辅警" in text
    assert "139****5678" in text
    assert "13912345678" not in text
    assert {r[4] for r in rows[1:]} == {"修改"}


def test_the_trail_pages(office, people, client_for, settings):
    settings.ZOUFANG = {**settings.ZOUFANG, "PAGE_SIZE": 2}
    for _ in range(3):
        people.aux_a.year_joined -= 1
        people.aux_a.save()
    client = client_for(office)
    first = client.get(AUDIT).content.decode()
    assert len(_entries(first)) == 2
    assert "page=2" in first
    second = _entries(client.get(AUDIT, {"page": 2}).content.decode())
    assert len(second) == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("office", 200),
        ("supervisor", 200),
        ("leader", 403),
        ("county_admin", 403),
        ("chief_a", 403),
        ("officer_a", 403),
        ("researcher", 403),
    ],
)
def test_only_the_office_and_supervisors_read_it(role, status, request, client_for):
    client = client_for(request.getfixturevalue(role))
    assert client.get(AUDIT).status_code == status
    assert client.get(AUDIT, {"export": "xlsx"}).status_code == status
