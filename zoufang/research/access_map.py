"""The access rule of each research route (decision 0048; the rules are research.access's:
research is organised by department, not by unit)."""

from zoufang.core.roles import Role
from zoufang.research.access import OFFICE_ROLES, READ_ALL_ROLES

ROUTES = {
    "research:index": "role:research",
    "research:topic_new": "role:research",
    "research:topic": "scoped:research-department",
    "research:activity_new": "scoped:research-department",
    "research:problem_new": "scoped:research-department",
    "research:report": "scoped:research-department",
    "research:report_submit": "scoped:research-department",
    "research:report_review": "role:research-office",
    "research:attachment_add": "scoped:research-department",
    "research:attachment": "scoped:research-department",
    "research:photo": "scoped:research-department",
    "research:problem_finding": "role:research-office",
    "research:problem_task": "scoped:research-department",
    "research:words": "role:research",
    # Anyone answers the questionnaires they were sent; the office runs them.
    "research:questionnaires": "login",
    "research:questionnaire_new": "role:research-office",
    "research:questionnaire": "scoped:questionnaire-invited",
    "research:questionnaire_edit": "role:research-office",
    "research:questionnaire_publish": "role:research-office",
    "research:questionnaire_results": "role:research-readers",
}

ROLES = {
    "role:research": READ_ALL_ROLES | {Role.RESEARCHER},
    "role:research-office": OFFICE_ROLES,
    "role:research-readers": READ_ALL_ROLES,
}
