from __future__ import annotations

from django.urls import reverse

from zoufang.research.services import questionnaires as svc
from zoufang.research.services import topics
from zoufang.research.tests.conftest import answers_for


def test_the_city_dashboard_shows_research_per_department(
    topic, researcher, office, tree, zhian, client_for
):
    problem = topics.problem_record(
        actor=researcher,
        topic=topic,
        description="d",
        root_cause="c",
        countermeasure="m",
        owner_department=zhian,
    )
    topics.problem_to_finding(
        actor=office, problem=problem, kind_code="security-problem", beat=tree.beat_a
    )
    page = client_for(office).get(reverse("home")).content.decode()
    panel = page.split('data-panel="research-departments"')[1]
    row = panel.split(f'data-department="{zhian.code}"')[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="text-end">')[1:]]
    assert cells == ["1", "0", "1", "1", "100%"]  # topics, activities, problems, to findings


def test_response_rates_follow_the_unit_looked_at(
    make_questionnaire,
    tree,
    officer_a,
    chief_a,
    county_admin,
    chief_b,
    officer_b,
    office,
    client_for,
):
    q = make_questionnaire()  # the whole city's officers
    svc.response_submit(user=officer_a, questionnaire=q, answers=answers_for(q))
    city = client_for(office).get(reverse("home")).content.decode()
    assert "1/5 (20%)" in city  # officer_a, chief_a, county_admin, chief_b, officer_b
    county = client_for(county_admin).get(reverse("home")).content.decode()
    assert "1/3 (33%)" in county  # county X: officer_a, chief_a, county_admin
    assert 'data-panel="research-departments"' not in county
    other = client_for(chief_b).get(reverse("home")).content.decode()
    assert "0/2 (0%)" in other  # station of beat B: chief_b and officer_b
