from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zoufang.campaigns.services import departments_sync
from zoufang.core.roles import Role
from zoufang.findings.catalog import catalog_sync
from zoufang.org.models import Department
from zoufang.org.tests.factories import UserFactory
from zoufang.research.services import questionnaires, topics


@pytest.fixture
def catalog(db):
    departments_sync()
    catalog_sync()


@pytest.fixture
def zhian(catalog):
    return Department.objects.get(code="zhian")


@pytest.fixture
def jiaojing(catalog):
    return Department.objects.get(code="jiaojing")


@pytest.fixture
def researcher_jj(jiaojing):
    """A researcher of another department (交警)."""
    return UserFactory(username="researcher_jj", role=Role.RESEARCHER, department=jiaojing)


@pytest.fixture
def workteam(tree):
    return UserFactory(username="workteam", role=Role.WORKING_TEAM)


@pytest.fixture
def topic(campaign, researcher, zhian):
    return topics.topic_save(
        actor=researcher,
        campaign=campaign,
        department=zhian,
        data={"title": "出租房屋治安管理调研", "leader_name": "王副局长", "members": "甲、乙"},
    )


@pytest.fixture
def jj_topic(campaign, researcher_jj, jiaojing):
    return topics.topic_save(
        actor=researcher_jj,
        campaign=campaign,
        department=jiaojing,
        data={"title": "校园周边交通秩序调研", "leader_name": "周副局长"},
    )


QUESTIONS = """
[单选] 走访进度
- 已完成
- 未完成
[多选] 困难
- 报表多
- 警力不足
- 群众不在家
[量表] 满意度
[文本] 建议
"""


@pytest.fixture
def make_questionnaire(campaign, office):
    def make(*, unit=None, audience="officers", anonymous=True, text=QUESTIONS, publish=True):
        q = questionnaires.questionnaire_save(
            actor=office,
            campaign=campaign,
            data={
                "title": "问计民警",
                "audience": audience,
                "unit": unit,
                "anonymous": anonymous,
                "closes_on": timezone.localdate() + dt.timedelta(days=5),
            },
            questions_text=text,
        )
        if publish:
            questionnaires.questionnaire_publish(actor=office, questionnaire=q)
        return q

    return make


def answers_for(q, *, single="已完成", multi=("报表多",), scale="4", text="减少报表台账"):
    by_kind = {"single": [single], "multi": list(multi), "scale": [scale], "text": [text]}
    return {question.pk: by_kind[question.kind] for question in q.questions.all()}
