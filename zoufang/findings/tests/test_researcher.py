"""A department researcher reads the findings routed to their department, read-only: 治安's
researcher sees 治安's findings in every county, never another department's, never a
sensitive clue; the list is theirs alone (every other role gets a 404)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from zoufang.findings.tests.cast import ROLES


def test_the_researcher_reads_the_findings_of_their_department(
    researcher, raise_finding, tree, client_for
):
    ours_a = raise_finding(None, kind_code="dispute-neighbour", beat=tree.beat_a)
    ours_b = raise_finding(None, kind_code="hazard-fire", beat=tree.beat_b)
    theirs = raise_finding(None, kind_code="clue-fraud", beat=tree.beat_a)  # 刑侦
    clue = raise_finding(
        None, kind_code="clue-terror", beat=tree.beat_b, description="散布极端言论"
    )  # sensitive
    assert ours_a.owner_department.code == ours_b.owner_department.code == "zhian"
    client = client_for(researcher)
    page = client.get(reverse("findings:department")).content.decode()
    assert ours_a.number in page
    assert ours_b.number in page
    assert theirs.number not in page
    assert clue.number not in page
    assert clue.description not in page
    # Read-only: no link to the finding page or its actions.
    assert f"/findings/{ours_a.pk}/" not in page
    home = client.get(reverse("home"), follow=True).content.decode()
    assert reverse("findings:department") in home
    count = re.search(r'data-stat="department-findings">.*?(\d+)', home, re.S)
    assert count
    assert count.group(1) == "2"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "researcher"])
def test_the_department_list_is_the_researchers_alone(role, request, raise_finding, client_for):
    raise_finding(None)
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("findings:department")).status_code == 404
