from __future__ import annotations

from django.urls import reverse

from zoufang.findings.models import Source
from zoufang.findings.services import finding_create
from zoufang.research.keywords import keyword_groups
from zoufang.visits.tests.conftest import _fresh_catalog_caches, places, tasks  # noqa: F401
from zoufang.visits.tests.factories import record


def test_texts_sharing_a_keyword_are_grouped_even_inside_long_sentences():
    texts = [
        "希望减少报表台账,让民警有时间走访",
        "报表太多了,能不能统一录入",
        "建议给警务室增加辅警",
        "警务室人手不够,希望增派辅警",
        "食堂饭菜一般",
    ]
    groups = {g.keyword: g.texts for g in keyword_groups(texts)}
    assert set(groups["报表"]) == {texts[0], texts[1]}
    assert set(groups["辅警"]) == {texts[2], texts[3]}
    assert groups[""] == [texts[4]]  # no shared keyword: "other"
    assert sum(len(v) for v in groups.values()) == len(texts)


def _opinion(task, officer, area: str, text: str) -> None:
    """What a household visit heard, recorded through the visit form as an officer does."""
    record(
        task,
        officer,
        answers={"householder_name": "王建国", "opinion_areas": [area], "opinions": text},
    )


def test_the_publics_words_by_department_and_unit(
    campaign,
    tree,
    catalog,
    tasks,  # noqa: F811
    places,  # noqa: F811
    officer_a,
    officer_b,
    researcher,
    researcher_jj,
    office,
    client_for,
):
    _opinion(tasks[places.dwellings[0].pk], officer_a, "交通管理", "学校门口拥堵希望交警疏导")
    _opinion(tasks[places.beat_b.pk], officer_b, "治安防控", "夜间巡逻太少电动车被盗")
    _opinion(
        tasks[places.dwellings[1].pk], officer_a, "治安防控", "小区电动车被盗希望装监控 13812345678"
    )
    finding_create(
        actor=None,
        kind_code="hazard-traffic",
        description="路口红绿灯太短老人过马路不安全",
        beat=tree.beat_b,
        source=Source.PUBLIC,
        campaign=campaign,
    )
    zhian = client_for(researcher).get(reverse("research:words")).content.decode()
    assert "电动车被盗" in zhian
    assert "学校门口拥堵" not in zhian
    assert "红绿灯" not in zhian
    assert "13812345678" not in zhian  # numbers masked
    jj = client_for(researcher_jj).get(reverse("research:words")).content.decode()
    assert "学校门口拥堵" in jj
    assert "红绿灯" in jj
    assert "电动车被盗" not in jj
    # A researcher cannot widen their view to another department.
    assert (
        "学校门口拥堵"
        not in client_for(researcher)
        .get(reverse("research:words") + f"?department={researcher_jj.department_id}")
        .content.decode()
    )
    # The office picks a unit: county X's words only.
    page = (
        client_for(office)
        .get(reverse("research:words") + f"?unit={tree.county_x.pk}")
        .content.decode()
    )
    assert "学校门口拥堵" in page
    assert "夜间巡逻太少" not in page
    assert "红绿灯" not in page
    assert 'data-total="2"' in page
