"""The research part of the demo city (seed_demo's step after the logins, see
zoufang.home.demo): a topic per department with activities, forums and problems (some turned
into findings or tasks), the 治安 report under review, two approved reports; what residents
said on household visits and on the public page; a 问计民警 questionnaire (anonymous) answered
by most of 魏都分局's officers and a named 问计班子 questionnaire.

Everything goes through the services. The officers who answer are stand-in accounts that lose
their role afterwards (as the patrol's do), so each role keeps exactly one demo login; the
demo's own `officer`, `chief` and `county` are invited and have not answered yet.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zoufang.core.roles import Role
from zoufang.findings.models import Source
from zoufang.findings.services import finding_create
from zoufang.org.models import Department, Personnel, Unit
from zoufang.research.models import Activity, Question, Questionnaire
from zoufang.research.services import questionnaires, reports, topics
from zoufang.visits.models import Visit, VisitOpinion

SEED = 15
TOPICS = {
    "zhengzhi": ("新形势下基层民警队伍建设和职业保障调研", "刘副局长"),
    "jingling": ("扁平化指挥体系下110接处警效率调研", "陈副局长"),
    "baozhang": ("基层所队警务保障短板调研", "杨副局长"),
    "zhian": ("城乡结合部出租房屋和流动人口治安管理调研", "王副局长"),
    "xingzhen": ("电信网络诈骗案件侦破与预防调研", "赵副局长"),
    "jindu": ("社区戒毒康复人员管控帮扶调研", "孙副局长"),
    "jiaojing": ("中小学校周边交通秩序治理调研", "周副局长"),
    "wangan": ("网络谣言和网络舆情引导调研", "吴副局长"),
    "jingzhen": ("非法集资风险排查与防范调研", "郑副局长"),
    "guobao": ("重点领域矛盾风险隐患排查调研", "冯副局长"),
    "fankong": ("人员密集场所反恐防范标准落实调研", "褚副局长"),
    "fanxiejiao": ("反邪教宣传进社区进农村调研", "卫副局长"),
    "huzheng": ("户籍业务“一网通办”便民服务调研", "蒋副局长"),
    "ducha": ("执法规范化和窗口服务作风调研", "沈副局长"),
}
PLACES = [
    (Activity.PlaceKind.ENTERPRISE, "许继集团", "企业保卫科长、职工代表"),
    (Activity.PlaceKind.COMMUNITY, "文峰社区", "社区书记、网格员、居民代表"),
    (Activity.PlaceKind.GRASSROOTS, "西大街派出所", "所长、社区民警、辅警"),
    (Activity.PlaceKind.COMMUNITY, "七里店村", "村支书、人民调解员"),
    (Activity.PlaceKind.ENTERPRISE, "瑞贝卡发制品公司", "企业负责人、安保人员"),
]
HEARD = [
    "群众反映夜间巡逻见警率不高,希望增加社区民警驻点时间。",
    "企业希望开通办理户籍、出入境业务的绿色通道。",
    "基层民警反映台账报表多,入户走访时间被挤占。",
    "网格员希望与社区民警建立固定的信息互通机制。",
]
PROBLEMS = [
    (
        "社区民警日常事务多,入户走访时间不足",
        "非警务事项和报表占用大量时间",
        "清理规范报表,推行捆绑作业减负",
    ),
    (
        "出租房屋登记信息更新不及时",
        "房东报告意识弱,信息采集渠道单一",
        "推行出租房屋旅馆式管理,房东扫码自主申报",
    ),
    (
        "学校周边上下学时段交通拥堵",
        "护学岗警力不足,家长接送车辆乱停",
        "设置临时停车区,联合学校家委会组织志愿护学",
    ),
    (
        "老年人遭遇电信诈骗时有发生",
        "防诈宣传覆盖不到独居老人",
        "社区民警联合网格员上门宣传,重点人群逐户见面",
    ),
]
OPINIONS = [
    ("治安防控", "希望晚上多派巡逻车,小区周边路灯太暗"),
    ("治安防控", "建议在小区门口安装监控,电动车经常被盗"),
    ("治安防控", "夜市散场后经常有人酗酒闹事,希望加强巡逻"),
    ("交通管理", "学校门口早晚高峰拥堵,希望增派交警疏导"),
    ("交通管理", "十字路口红绿灯时间太短,老人过马路不安全"),
    ("交通管理", "小区周边车辆乱停乱放,消防通道被占"),
    ("户政服务", "办理身份证要跑好几趟,希望能网上预约"),
    ("户政服务", "孩子落户手续复杂,希望一次告知需要的材料"),
    ("窗口服务", "派出所窗口中午不办公,上班族办事不方便"),
    ("警民联系", "社区民警电话可以公开,有事能直接找到人"),
    ("警民联系", "希望民警多进社区宣传防诈骗知识"),
    ("执法规范", "处理邻里纠纷时希望民警多听双方意见"),
    ("其他", "快递柜周边经常有人偷拿快递,希望管一管"),
]
PUBLIC_WORDS = [
    ("opinion", "建议在公园附近增加巡逻,晚上散步的人多但路灯暗"),
    ("opinion", "希望派出所开通周末办证服务,上班族办事难"),
    ("hazard-traffic", "学校门口接送孩子的车辆乱停,早高峰拥堵严重"),
    ("opinion", "小区监控很多坏了,电动车被盗后查不到"),
]
OFFICER_QUESTIONS = """
[单选] 您所在责任区的入户走访进度如何？
- 已完成80%以上
- 完成50%-80%
- 完成不足50%
[多选] 影响走访工作的主要困难有哪些？
- 报表台账多
- 群众白天不在家
- 警力不足
- 交通不便
- 其他
[量表] 您对本次“大走访”活动组织安排的满意度
[文本] 您对改进基层警务工作有什么建议？
"""
OFFICER_TEXTS = [
    "减少报表台账,让民警有更多时间入户走访",
    "报表太多,希望统一系统录入,不要重复填报",
    "增加辅警配备,社区警务室人手不足",
    "警务室人手不足,希望增派辅警",
    "希望错时走访计入工作量,晚上和周末加班有补休",
    "走访系统手机端希望能离线录入,村里信号差",
    "建议给社区民警配备电动车,村组之间距离远",
    "希望和网格员共享信息,避免重复采集",
]
LEADER_QUESTIONS = """
[单选] 本次活动最需要加强的环节是？
- 走访覆盖
- 问题处置
- 督导问责
- 宣传发动
[文本] 对下一阶段重点深化工作的意见
"""


def build(ctx: Any) -> None:
    """seed_demo's step after the logins (the research needs the researcher and the office)."""
    counts = build_demo_research(campaign=ctx.campaign, org=ctx.org)
    ctx.built["research"] = counts
    ctx.say(
        "research: {topics} topics, {activities} activities, {problems} problems, "
        "{answers} questionnaire answers, {opinions} opinions heard".format(**counts)
    )


@transaction.atomic
def build_demo_research(*, campaign: Any, org: Any) -> dict[str, int]:
    rng = random.Random(SEED)
    users = get_user_model().objects
    office = users.filter(username="office").first()
    workteam = users.filter(username="workteam").first()
    researcher = users.filter(username="researcher").first()
    if office is None or workteam is None:
        return dict.fromkeys(("topics", "activities", "problems", "answers", "opinions"), 0)
    counts = _topics(rng, campaign, office, workteam, researcher)
    counts["opinions"] = _opinions(rng, campaign)
    counts["answers"] = _questionnaires(rng, campaign, office)
    return counts


def _topics(
    rng: random.Random, campaign: Any, office: Any, workteam: Any, researcher: Any
) -> dict[str, int]:
    today = timezone.localdate()
    beat = Unit.objects.filter(level=Unit.Level.BEAT).order_by("path").first()
    n_act = n_prob = 0
    departments = {d.code: d for d in Department.objects.filter(code__in=TOPICS)}
    for i, (code, (title, leader)) in enumerate(TOPICS.items()):
        dept = departments.get(code)
        if dept is None:
            continue
        author = researcher if researcher and researcher.department_id == dept.pk else workteam
        topic = topics.topic_save(
            actor=author,
            campaign=campaign,
            department=dept,
            data={
                "title": title,
                "goal": "",
                "leader_name": leader,
                "members": f"{dept.name}支队长、{dept.name}科员甲、{dept.name}科员乙",
            },
        )
        for j in range(2 + i % 2):
            kind, place, met = PLACES[(i + j) % len(PLACES)]
            forum = j == 1
            topics.activity_record(
                actor=author,
                topic=topic,
                data={
                    "kind": Activity.Kind.FORUM if forum else Activity.Kind.VISIT,
                    "held_on": min(
                        today, campaign.start_date + dt.timedelta(days=2 + 3 * j + i % 3)
                    ),
                    "place_kind": kind,
                    "place": place,
                    "met": met,
                    "heard": rng.choice(HEARD),
                    "minutes": "扬成绩:走访覆盖稳步推进。补短板:"
                    + rng.choice(HEARD)
                    + "理思路:建立问题清单,逐项整改。"
                    if forum
                    else "",
                    "attendees": met + "、调研组全体成员" if forum else "",
                },
            )
            n_act += 1
        for k in range(1 + i % 3):
            text, cause, measure = PROBLEMS[(i + k) % len(PROBLEMS)]
            problem = topics.problem_record(
                actor=author,
                topic=topic,
                description=text,
                root_cause=cause,
                countermeasure=measure,
                owner_department=dept,
            )
            n_prob += 1
            if k == 0 and i % 3 == 0 and beat is not None:
                topics.problem_to_finding(
                    actor=office, problem=problem, kind_code="security-problem", beat=beat
                )
            elif k == 1:
                topics.problem_to_task(
                    actor=author, problem=problem, due=today + dt.timedelta(days=10)
                )
        _report(topic, code, author, office, i)
    return {"topics": len(departments), "activities": n_act, "problems": n_prob}


def _report(topic: Any, code: str, author: Any, office: Any, i: int) -> None:
    if code != "zhian" and i % 5 != 1:
        return
    sections = {
        "summary": f"围绕“{topic.title}”,调研组深入企业、社区和基层所队开展走访座谈。",
        "achievements": "走访覆盖稳步推进,群众对社区民警的知晓率明显提高。",
        "shortcomings": "基层警力不足,报表台账多,出租房屋信息更新不及时。",
        "causes": "非警务事项占用警力,信息采集渠道单一,部门间数据不共享。",
        "countermeasures": "清理规范报表;推行出租房屋自主申报;建立与网格员的信息互通机制。",
    }
    report = reports.report_save(actor=author, topic=topic, data=sections, version=1)
    reports.report_submit(actor=author, report=report)
    if code != "zhian":
        reports.report_review(actor=office, report=report, approve=True)


def _opinions(rng: random.Random, campaign: Any) -> int:
    """What residents said on household visits (as the visit form writes it) and a few
    suggestions filed on the public page."""
    visits = list(
        Visit.objects.filter(campaign=campaign, kind="household", outcome="visited")
        .order_by("pk")
        .values("pk", "unit_path", "created_at")[:4000]
    )
    picks = rng.sample(visits, min(len(visits), 160))
    VisitOpinion.objects.bulk_create(
        VisitOpinion(
            visit_id=v["pk"],
            campaign=campaign,
            unit_path=v["unit_path"],
            kind="household",
            question="opinions",
            areas=[area],
            text=text,
            created_at=v["created_at"],
        )
        for v, (area, text) in ((v, rng.choice(OPINIONS)) for v in picks)
    )
    beats = list(Unit.objects.filter(level=Unit.Level.BEAT).order_by("path")[:20])
    for i, (kind, text) in enumerate(PUBLIC_WORDS * 3):
        if beats:
            finding_create(
                actor=None,
                kind_code=kind,
                description=text,
                beat=beats[i % len(beats)],
                source=Source.PUBLIC,
                campaign=campaign,
            )
    return len(picks) + (len(PUBLIC_WORDS) * 3 if beats else 0)


def _questionnaires(rng: random.Random, campaign: Any, office: Any) -> int:
    county = Unit.objects.filter(level=Unit.Level.COUNTY).order_by("sort_order", "code").first()
    closes = max(campaign.end_date, timezone.localdate() + dt.timedelta(days=7))
    helpers = _stand_in_officers(county, 36)
    q = questionnaires.questionnaire_save(
        actor=office,
        campaign=campaign,
        data={
            "title": "问计民警:大走访工作中的困难和建议",
            "intro": "请结合本人走访工作如实填写,问卷匿名。",
            "audience": Questionnaire.Audience.OFFICERS,
            "unit": county,
            "anonymous": True,
            "closes_on": closes,
        },
        questions_text=OFFICER_QUESTIONS,
    )
    questionnaires.questionnaire_publish(actor=office, questionnaire=q)
    answered = 0
    questions = list(q.questions.all())
    for user in helpers[: int(len(helpers) * 0.8)]:
        questionnaires.response_submit(user=user, questionnaire=q, answers=_answers(rng, questions))
        answered += 1
    get_user_model().objects.filter(username__startswith="research_sample_").update(
        role="", is_active=False
    )
    lead = questionnaires.questionnaire_save(
        actor=office,
        campaign=campaign,
        data={
            "title": "问计班子:重点深化阶段工作思路",
            "audience": Questionnaire.Audience.LEADERSHIP,
            "anonymous": False,
            "closes_on": closes,
        },
        questions_text=LEADER_QUESTIONS,
    )
    questionnaires.questionnaire_publish(actor=office, questionnaire=lead)
    for name in ("leader", "deputy"):
        user = get_user_model().objects.get(username=name)
        questionnaires.response_submit(
            user=user, questionnaire=lead, answers=_answers(rng, list(lead.questions.all()))
        )
        answered += 1
    return answered


def _answers(rng: random.Random, questions: list[Question]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for q in questions:
        if q.kind == Question.Kind.SINGLE:
            out[q.pk] = [rng.choices(q.choices, weights=range(len(q.choices) + 1, 1, -1))[0]]
        elif q.kind == Question.Kind.MULTI:
            out[q.pk] = rng.sample(q.choices[:-1], rng.randint(1, 3))
        elif q.kind == Question.Kind.SCALE:
            out[q.pk] = [
                str(
                    rng.choices(
                        range(1, q.scale_max + 1), weights=[1, 2, 5, 9, 6][: q.scale_max] or None
                    )[0]
                )
            ]
        else:
            out[q.pk] = [rng.choice(OFFICER_TEXTS)]
    return out


def _stand_in_officers(county: Unit | None, n: int) -> list[Any]:
    """Accounts for `n` officers of the county (the demo issues one login per role)."""
    if county is None:
        return []
    User = get_user_model()
    people = (
        Personnel.objects.in_subtree(county.path)
        .filter(Q(beat__isnull=False) | Q(deployed_to__level=Unit.Level.BEAT))
        .filter(is_active=True, user__isnull=True)
        .select_related("beat", "deployed_to")
        .order_by("unit_path", "pk")[:n]
    )
    made = []
    for i, p in enumerate(people):
        role = Role.COMMUNITY_OFFICER if p.beat_id else Role.TEAM_MEMBER
        user, _ = User.objects.get_or_create(username=f"research_sample_{i:03d}")
        user.role, user.unit, user.is_active = role, p.beat or p.deployed_to, True
        user.set_unusable_password()
        user.save()
        made.append(user)
    return made
