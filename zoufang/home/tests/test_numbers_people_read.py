"""Numbers as people read them: rates in %, one name per figure, coverage shares beside the
counts, the banner's day of the phase and of the campaign, exports that say what they are."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from openpyxl import load_workbook

from zoufang.core.tests.exports import export_table, export_title
from zoufang.findings.services.create import finding_create
from zoufang.findings.services.workflow import finding_transition


def test_the_banner_says_which_day_of_which_phase(client_for, officer_a, campaign):
    # The cast's campaign started ten days ago: day 11, the visiting phase's sixth day
    # (five days of preparation, 21–25 June in the seed).
    page = client_for(officer_a).get(reverse("home")).content.decode()
    banner = re.search(r'<div class="campaign-bar.*?</div>', page, re.S).group(0)
    assert "集中走访第 6 天" in banner
    assert "活动第 11 天" in banner


def _resolved_finding(tree, chief_a, officer_a):
    f = finding_create(
        actor=officer_a, kind_code="dispute-neighbour", description="楼上漏水", beat=tree.beat_a
    ).finding
    for action, kw in [
        ("triage", {}),
        ("assign", {"assignee": officer_a}),
        ("start", {}),
        ("resolve", {"comment": "已调解"}),
        ("follow_up", {"satisfied": True, "comment": "电话回访"}),
    ]:
        actor = officer_a if action in {"start", "resolve", "follow_up"} else chief_a
        f = finding_transition(finding=f, actor=actor, action=action, version=None, **kw)
    return f


def test_the_findings_figures_show_rates_in_percent_with_one_name_each(
    client_for, chief_a, officer_a, tree, catalog
):
    _resolved_finding(tree, chief_a, officer_a)
    page = client_for(chief_a).get(reverse("findings:stats")).content.decode()
    row = re.search(rf'<tr data-unit="{tree.beat_a.code}">.*?</tr>', page, re.S).group(0)
    rates = dict(re.findall(r'data-stat="(on_time|resolution|satisfaction)">\s*([^<]+)<', row))
    assert rates == {"on_time": "100.0%", "resolution": "100.0%", "satisfaction": "100.0%"}
    assert not re.search(r"\b0\.\d{3}\b|\b1\.000\b", page)
    chart = re.search(r'id="findings-chart-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    # The chart's series carry the table's names (满意率 was a second name for 回访满意率).
    for name in ("按期办结率", "回访满意率"):
        assert name in chart.encode().decode("unicode_escape")
        assert name in page.split("<table")[1]
    assert "满意率 %" not in chart.encode().decode("unicode_escape")


def test_coverage_rows_give_the_visited_share_beside_the_count(
    client_for, chief_a, tree, tasks, campaign
):
    page = client_for(chief_a).get(reverse("visits:coverage")).content.decode()
    row = re.search(rf'<tr data-unit="{tree.beat_a.code}">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-col="visited-share">\s*0\.0%<', row)
    assert 'data-chart-mode="percent"' in page
    assert 'data-chart-mode="count"' in page


def test_an_export_opens_with_what_which_unit_when_and_who(client_for, chief_a, tree, places):
    response = client_for(chief_a).get(reverse("registry:place_list"), {"export": "xlsx"})
    data = b"".join(response.streaming_content)
    title = export_title(data)
    assert "地址" in title
    assert tree.s1.name in title
    assert chief_a.display_name in title
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", title)
    table = export_table(data)
    address_col = table[0].index("地址")
    longest = max(_wide(str(r[address_col])) for r in table[1:])
    ws = load_workbook(io.BytesIO(data)).active
    letter = ws.cell(row=1, column=address_col + 1).column_letter
    assert ws.column_dimensions[letter].width >= longest


def _wide(text: str) -> int:
    """Excel's width units a text needs: a Chinese character is about two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
