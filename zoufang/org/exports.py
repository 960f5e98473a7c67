"""The xlsx exports of the people and team lists: each column's header next to its value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zoufang.core.xlsx import xlsx_response
from zoufang.org import services
from zoufang.org.access import shown_phone
from zoufang.org.models import Personnel, Team, User

# (header, value of a row for the user who exports); headers are translated when written.
PERSONNEL_COLUMNS: list[tuple[str, Callable[[Personnel, User], Any]]] = [
    (gettext_noop("Name"), lambda p, user: p.name),
    (gettext_noop("Kind"), lambda p, user: p.get_kind_display()),
    (gettext_noop("Post"), lambda p, user: p.get_post_display()),
    (gettext_noop("Police number"), lambda p, user: p.police_number or ""),
    (gettext_noop("Phone"), lambda p, user: shown_phone(user, p)),
    (gettext_noop("Home unit"), lambda p, user: p.unit.name),
    (gettext_noop("Working unit"), lambda p, user: p.work_unit.name),
    (gettext_noop("Department"), lambda p, user: p.department.name if p.department else ""),
    (gettext_noop("Year joined"), lambda p, user: p.year_joined),
]

TEAM_COLUMNS: list[tuple[str, Callable[[Team], Any]]] = [
    (gettext_noop("Team"), lambda t: t.name),
    (gettext_noop("Beat"), lambda t: t.beat.name),
    (gettext_noop("Leader"), lambda t: t.leader.name if t.leader else ""),
    (gettext_noop("Members"), lambda t: t.member_count),
    (gettext_noop("Officers"), lambda t: t.officer_count),
    (gettext_noop("Auxiliaries"), lambda t: t.auxiliary_count),
    (gettext_noop("Experienced"), lambda t: t.experienced_count),
    (
        gettext_noop("Warnings"),
        lambda t: "; ".join(w.message for w in services.team_warnings(t)),
    ),
]


def personnel_xlsx(request: HttpRequest, qs: QuerySet[Personnel]) -> FileResponse:
    user = request.user
    rows = (
        [value(p, user) for _header, value in PERSONNEL_COLUMNS]
        for p in qs.iterator(chunk_size=2000)
    )
    headers = [_(header) for header, _value in PERSONNEL_COLUMNS]
    return xlsx_response(request, "personnel", headers, rows, sheet=_("People"))


def team_xlsx(request: HttpRequest, qs: QuerySet[Team]) -> FileResponse:
    rows = ([value(t) for _header, value in TEAM_COLUMNS] for t in qs.iterator(chunk_size=1000))
    headers = [_(header) for header, _value in TEAM_COLUMNS]
    return xlsx_response(request, "teams", headers, rows, sheet=_("Teams"))
