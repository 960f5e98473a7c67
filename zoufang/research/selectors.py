"""Reads of the research: the per-department overview, topic pages, questionnaire results
and response rates. Every read starts from the access rules (`research/access.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from zoufang.core.scope import subtree_q
from zoufang.org.models import Department
from zoufang.research.access import department_filter, is_researcher, sees_all_research
from zoufang.research.keywords import Group, keyword_groups
from zoufang.research.models import (
    Activity,
    Answer,
    Invitation,
    Problem,
    Question,
    Questionnaire,
    Report,
    Topic,
)

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import Unit, User


def topic_list(user: User, campaign: Campaign | None) -> QuerySet[Topic]:
    qs = Topic.objects.visible_to(user).select_related("department")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.annotate(
        activity_count=Count("activities", distinct=True),
        problem_count=Count("problems", distinct=True),
    ).select_related("report")


def research_departments(user: User, campaign: Campaign | None) -> QuerySet[Department]:
    """The departments taking part (the campaign's list, else every active one) the user reads."""
    qs = Department.objects.filter(is_active=True)
    if campaign is not None and campaign.research_departments.exists():
        qs = campaign.research_departments.all()
    if sees_all_research(user):
        return qs
    if is_researcher(user):
        return qs.filter(pk=user.department_id)
    return qs.none()


@dataclass
class DepartmentRow:
    department: Department
    topics: int = 0
    activities: int = 0
    forums: int = 0
    problems: int = 0
    to_findings: int = 0
    to_tasks: int = 0
    reports_submitted: int = 0
    reports_approved: int = 0

    @property
    def conversion(self) -> int | None:
        """Problems handed on (finding or task) among those found, in %."""
        if not self.problems:
            return None
        return round(100 * (self.to_findings + self.to_tasks) / self.problems)


def department_overview(user: User, campaign: Campaign | None) -> list[DepartmentRow]:
    """One row per department the user reads: topics, activities, forums, problems and what
    became of them, reports — five grouped queries whatever the number of departments."""
    departments = list(research_departments(user, campaign))
    rows = {d.pk: DepartmentRow(d) for d in departments}
    topics = Topic.objects.filter(department__in=rows)
    if campaign is not None:
        topics = topics.filter(campaign=campaign)
    for r in topics.values("department").annotate(n=Count("pk")):
        rows[r["department"]].topics = r["n"]
    acts = Activity.objects.filter(topic__in=topics).values("topic__department")
    for r in acts.annotate(n=Count("pk"), forums=Count("pk", filter=Q(kind=Activity.Kind.FORUM))):
        row = rows[r["topic__department"]]
        row.activities, row.forums = r["n"], r["forums"]
    probs = Problem.objects.filter(topic__in=topics).values("topic__department")
    for r in probs.annotate(
        n=Count("pk"),
        f=Count("pk", filter=Q(disposition=Problem.Disposition.FINDING)),
        t=Count("pk", filter=Q(disposition=Problem.Disposition.TASK)),
    ):
        row = rows[r["topic__department"]]
        row.problems, row.to_findings, row.to_tasks = r["n"], r["f"], r["t"]
    reps = Report.objects.filter(topic__in=topics).values("topic__department")
    for r in reps.annotate(
        s=Count("pk", filter=Q(state=Report.State.SUBMITTED)),
        a=Count("pk", filter=Q(state=Report.State.APPROVED)),
    ):
        row = rows[r["topic__department"]]
        row.reports_submitted, row.reports_approved = r["s"], r["a"]
    return [rows[d.pk] for d in departments]


def reports_to_review(user: User) -> QuerySet[Report]:
    return (
        Report.objects.filter(state=Report.State.SUBMITTED)
        .filter(department_filter(user, "topic__department"))
        .select_related("topic", "topic__department", "author")
        .order_by("updated_at")
    )


# ------------------------------------------------------------------------ questionnaires


def questionnaire_list(user: User, *, all_of_them: bool) -> QuerySet[Questionnaire]:
    qs = Questionnaire.objects.select_related("unit")
    if not all_of_them:
        qs = qs.filter(invitations__user=user, state=Questionnaire.State.PUBLISHED)
    return qs.annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
    )


def my_pending(user: User) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        user=user,
        answered=False,
        questionnaire__state=Questionnaire.State.PUBLISHED,
        questionnaire__closes_on__gte=timezone.localdate(),
    ).select_related("questionnaire")


@dataclass
class Rate:
    invited: int
    answered: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


def response_rate(questionnaire: Questionnaire, unit: Unit | None = None) -> Rate:
    qs = Invitation.objects.filter(questionnaire=questionnaire)
    if unit is not None:
        qs = qs.filter(subtree_q("unit_path", unit.path))
    r = qs.aggregate(n=Count("pk"), a=Count("pk", filter=Q(answered=True)))
    return Rate(r["n"], r["a"])


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list[tuple[str, int, int]] = field(default_factory=list)  # label, count, share %
    mean: float | None = None
    texts: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def chart(self) -> dict[str, Any]:
        return {
            "id": self.question.pk,
            "labels": [r[0] for r in self.rows],
            "values": [r[1] for r in self.rows],
        }


def questionnaire_results(questionnaire: Questionnaire) -> list[QuestionResult]:
    """Per question: counts and shares per choice or scale point (and the mean), or the free
    texts grouped by keyword. Two queries, whatever the number of responses' questions."""
    questions = list(questionnaire.questions.all())
    answers: dict[int, list[Answer]] = {q.pk: [] for q in questions}
    for a in Answer.objects.filter(question__questionnaire=questionnaire).only(
        "question_id", "choices", "number", "text"
    ):
        answers[a.question_id].append(a)
    out = []
    for q in questions:
        result = QuestionResult(q, answered=len(answers[q.pk]))
        given = answers[q.pk]
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTI):
            counts = {c: 0 for c in q.choices}
            for a in given:
                for c in a.choices:
                    counts[c] = counts.get(c, 0) + 1
            result.rows = [(c, n, _share(n, len(given))) for c, n in counts.items()]
        elif q.kind == Question.Kind.SCALE:
            counts = {p: 0 for p in range(1, q.scale_max + 1)}
            for a in given:
                counts[a.number] = counts.get(a.number, 0) + 1
            result.rows = [(str(p), n, _share(n, len(given))) for p, n in counts.items()]
            if given:
                result.mean = round(sum(a.number for a in given) / len(given), 2)
        else:
            result.texts = sorted(a.text for a in given)
            result.groups = keyword_groups(result.texts)
        out.append(result)
    return out


def _share(n: int, total: int) -> int:
    return round(100 * n / total) if total else 0
