"""Who may see and do what in the research.

- The leadership group, the office and its working team read all research; the office and
  the working team review reports, turn problems into findings and run the questionnaires.
- A department researcher reads and writes their own department's topics, activities,
  problems and report; another department's are 404 to them (as if they did not exist).
- Everyone else has no research pages, but answers the questionnaires they were sent.

Research is organised by department, not by unit, so the unit scope of `core.scope` does not
apply here; the public's words (unit data) are read through `research.words` with the unit
rule of the rows they come from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from zoufang.core.roles import LEADERSHIP_ROLES, Role
from zoufang.research.models import Activity, Problem, Questionnaire, Topic

if TYPE_CHECKING:
    from zoufang.org.models import User

OFFICE_ROLES = frozenset({Role.OFFICE, Role.WORKING_TEAM})
READ_ALL_ROLES = LEADERSHIP_ROLES | OFFICE_ROLES


def sees_all_research(user: User) -> bool:
    return bool(user.is_superuser or user.role in READ_ALL_ROLES)


def is_researcher(user: User) -> bool:
    return user.role == Role.RESEARCHER and user.department_id is not None


def may_use_research(user: User) -> bool:
    return sees_all_research(user) or is_researcher(user)


def is_office(user: User) -> bool:
    return bool(user.is_superuser or user.role in OFFICE_ROLES)


def department_filter(user: User, field: str) -> Q:
    """Rows whose department (`field`) the user may read."""
    if sees_all_research(user):
        return Q()
    if is_researcher(user):
        return Q(**{f"{field}_id": user.department_id})
    return Q(pk__in=[])


def may_write_topic(user: User, topic: Topic) -> bool:
    """The office, and the researchers of the topic's department (the leadership reads)."""
    if is_office(user):
        return True
    return is_researcher(user) and topic.department_id == user.department_id


def get_topic_for_user(user: User, pk: int, *, write: bool = False) -> Topic:
    topic = get_object_or_404(
        Topic.objects.visible_to(user).select_related("department", "campaign"), pk=pk
    )
    if write and not may_write_topic(user, topic):
        raise PermissionDenied
    return topic


def get_activity_for_user(user: User, pk: int, *, write: bool = False) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("topic"), pk=pk)
    get_topic_for_user(user, activity.topic_id, write=write)
    return activity


def get_problem_for_user(user: User, pk: int, *, write: bool = False) -> Problem:
    problem = get_object_or_404(
        Problem.objects.select_related("topic", "owner_department", "finding"), pk=pk
    )
    get_topic_for_user(user, problem.topic_id, write=write)
    return problem


# ------------------------------------------------------------------------ questionnaires


def may_manage_questionnaires(user: User) -> bool:
    return is_office(user)


def may_read_results(user: User) -> bool:
    return sees_all_research(user)


def get_questionnaire_for_user(user: User, pk: int, *, manage: bool = False) -> Questionnaire:
    """The office and the leadership see every questionnaire; anyone else only those they
    were sent (404 otherwise, a draft included)."""
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("unit"), pk=pk)
    if may_read_results(user):
        if manage and not may_manage_questionnaires(user):
            raise PermissionDenied
        return questionnaire
    if manage:
        raise Http404
    if not questionnaire.invitations.filter(user=user).exists():
        raise Http404
    return questionnaire
