"""Mass assignment (issue 17 part 2, decision 0049): a form or an API body that creates or
changes a record takes only the fields it declares. Extra keys naming what the sender must not
choose — the unit and paths a record belongs to, its owner, author or assignee, its state, a
user's role or superuser flag — are ignored (or refused): after a successful request no row of
any model holds an injected value it did not hold before.

The forms are filled the way a browser fills them (the page's own form, read from its HTML,
with the values a user would type); the injected keys are added only where the form has no
field of that name (a field the form declares, such as a unit to choose, is checked by the
form's own queryset and its tests)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils import timezone

from zoufang.home.tests import access_walk as walk
from zoufang.knowledge.models import ENTRY_PARTS, Chapter
from zoufang.org.models import Department
from zoufang.outreach import guard
from zoufang.outreach.models import PublicSubmission, SubmissionState
from zoufang.outreach.sheets import beat_token

# What an attacker adds, and the model field (attname) it would land in.
TARGETS = {
    "unit": "unit_id",
    "unit_id": "unit_id",
    "unit_path": "unit_path",
    "owner_unit": "owner_unit_id",
    "owner_unit_id": "owner_unit_id",
    "owner_path": "owner_path",
    "beat_path": "beat_path",
    "owner": "owner_id",
    "owner_id": "owner_id",
    "created_by": "created_by_id",
    "created_by_id": "created_by_id",
    "recorded_by": "recorded_by_id",
    "updated_by": "updated_by_id",
    "reporter": "reporter_id",
    "assignee": "assignee_id",
    "assignee_id": "assignee_id",
    "department": "department_id",
    "beat": "beat_id",
    "beat_id": "beat_id",
    "state": "state",
    "status": "status",
    "is_superuser": "is_superuser",
    "is_staff": "is_staff",
    "role": "role",
}


@pytest.fixture
def injected(tree, leader, officer_a):
    """The values injected: county X's beat (the senders are of county Y or campaign-wide
    actors who write nothing there), a user who takes no part, a department of no one."""
    stranger = Department.objects.create(code="injected", name="注入部门")
    people = ("owner", "owner_id", "created_by", "created_by_id", "recorded_by", "updated_by")
    user_values = {k: leader.pk for k in (*people, "reporter")}
    return {
        **{
            k: tree.beat_a.pk
            for k in ("unit", "unit_id", "owner_unit", "owner_unit_id", "beat", "beat_id")
        },
        **{k: tree.beat_a.path for k in ("unit_path", "owner_path", "beat_path")},
        **user_values,
        "assignee": officer_a.pk,
        "assignee_id": officer_a.pk,
        "department": stranger.pk,
        "state": "closed",
        "status": "closed",
        "is_superuser": True,
        "is_staff": True,
        "role": "auditor",
    }


def _stored(values: dict) -> dict[tuple[str, str], int]:
    return _stored_as(values, TARGETS)


def _stored_as(values: dict, targets: dict[str, str]) -> dict[tuple[str, str], int]:
    """For each model and injected field it has: how many rows hold the injected value."""
    out = {}
    wanted = {targets[k]: v for k, v in values.items()}
    for model in apps.get_models():
        if not model.__module__.startswith("zoufang."):
            continue
        for field in model._meta.concrete_fields:
            if field.attname not in wanted:
                continue
            if field.attname in {"state", "status", "role"} and not isinstance(
                field, models.CharField
            ):
                continue
            value = wanted[field.attname]
            out[(model._meta.label, field.attname)] = model.objects.filter(
                **{field.attname: value}
            ).count()
    return out


def _grown(before: dict, after: dict) -> list[str]:
    return [f"{k[0]}.{k[1]}: {before[k]} -> {n}" for k, n in after.items() if n > before[k]]


# ---- the HTML forms ---------------------------------------------------------------------


class _FormReader(HTMLParser):
    """Every POST form's action, fields and the values the page gives them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]], set[str]]] = []
        self._form: tuple[str, dict[str, list[str]], set[str]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._chose = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = (a.get("action") or "", {}, set())
            self.forms.append(self._form)
        if self._form is None:
            return
        _, data, names = self._form
        name = a.get("name")
        if tag == "input" and name:
            names.add(name)
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind in {"file", "submit"}:
                return
            data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            names.add(name)
            self._select, self._first_option, self._chose = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None and value:
                self._first_option = value
            if "selected" in a and value:
                data.setdefault(self._select, []).append(value)
                self._chose = True
        elif tag == "textarea" and name:
            names.add(name)
            self._textarea = name
            data[name] = [""]

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form[1][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form:
            if not self._chose and self._first_option is not None:
                self._form[1][self._select] = [self._first_option]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def _errors(html: str) -> list[str]:
    """The error messages a refused form shows."""
    found = re.findall(
        r'class="[^"]*(?:invalid-feedback|errorlist|alert-danger|text-danger)[^"]*"[^>]*>(.*?)</',
        html,
        re.S,
    )
    return [re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found]


def _read_form(html: str, url: str) -> tuple[dict[str, list[str]], set[str]]:
    """The page's own form (posting to its URL), the one with most fields if several."""
    reader = _FormReader()
    reader.feed(html)
    own = [f for f in reader.forms if f[0] in ("", url)]
    if not own:
        return {}, set()
    _, data, names = max(own, key=lambda f: len(f[2]))
    return data, names


def _forms(w) -> list[tuple[str, str, dict, dict]]:
    """(route name, user fixture, URL kwargs, what the user types): the main forms."""
    today = timezone.localdate().isoformat()
    return [
        (
            "findings:create",
            "officer_b",
            {},
            {"kind": "dispute-neighbour", "beat": w.tree.beat_b.pk, "description": "井盖缺失"},
        ),
        (
            "visits:record",
            "officer_b",
            {"pk": w.task.pk},
            # f_kind: no problem raised with the visit (the form offers one)
            {"outcome": "visited", "members": w.people.co_b.pk, "q_householder_name": "丁秀英"}
            | {"f_kind": ""},
        ),
        ("registry:place_edit", "chief_b", {"pk": w.place.pk}, {"note": "已核实"}),
        ("registry:person_edit", "chief_b", {"pk": w.resident.pk}, {"name": "丁秀英"}),
        ("org:personnel_edit", "chief_b", {"pk": w.people.co_b.pk}, {}),
        (
            "outreach:event_new",
            "chief_b",
            {},
            {
                "title": "平安宣传进村",
                "date": today,
                "unit": w.tree.beat_b.pk,
                "people_reached": 30,
            },
        ),
        (
            "research:topic_new",
            "researcher",
            {},
            {"title": "农村电信诈骗调研", "goal": "摸清受骗人群", "leader_name": "刘研究"},
        ),
        ("supervision:settings", "office", {}, {}),
        (
            "knowledge:entry_new",
            "office",
            {},
            {
                "title": "邻里纠纷调解要点",
                "slug": f"mass-{uuid.uuid4().hex[:8]}",
                **{part: "先听后说" for part in ENTRY_PARTS},
            },
        ),
    ]


FORM_NAMES = [
    "findings:create",
    "visits:record",
    "registry:place_edit",
    "registry:person_edit",
    "org:personnel_edit",
    "outreach:event_new",
    "research:topic_new",
    "supervision:settings",
    "knowledge:entry_new",
]


@pytest.mark.parametrize("name", FORM_NAMES)
def test_a_form_takes_none_of_the_injected_fields(
    name, world, injected, request, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    Chapter.objects.create(slug="mass", name="调解")  # the pocket book needs a chapter
    _, user_name, kwargs, typed = next(f for f in _forms(world) if f[0] == name)
    user = request.getfixturevalue(user_name)
    client = client_for(user)
    url = reverse(name, kwargs=kwargs)
    page = client.get(url)
    assert page.status_code == 200, f"{name}: the form page answers {page.status_code}"
    data, names = _read_form(page.content.decode(), url)
    assert names, f"{name}: no POST form on the page"
    data.update({k: [str(v)] for k, v in typed.items()})
    extras = {k: v for k, v in injected.items() if k not in names}
    data.update({k: [str(v)] for k, v in extras.items()})
    before = _stored(extras)
    response = client.post(url, data)
    assert response.status_code == 302, (
        f"{name}: the form was not accepted, so the check proves nothing: "
        f"{response.status_code} {_errors(response.content.decode())}"
    )
    assert not _grown(before, _stored(extras)), f"{name} stored injected values"
    user.refresh_from_db()
    assert not user.is_superuser
    assert user.role != "auditor"


# ---- the API ----------------------------------------------------------------------------


def _visit_body(w) -> dict:
    end = timezone.now() - dt.timedelta(minutes=3)
    return {
        "client_uuid": str(uuid.uuid4()),
        "task_id": w.task.pk,
        "outcome": "visited",
        "started_at": (end - dt.timedelta(minutes=15)).isoformat(),
        "ended_at": end.isoformat(),
        "members": [w.people.co_b.pk],
        "answers": {"householder_name": "丁秀英"},
    }


def _api_cases(w) -> dict[str, tuple[str, dict, dict]]:
    """operation id -> (user fixture, URL values, a valid body)."""
    return {
        "findings_create": (
            "officer_b",
            {},
            {"kind": "dispute-neighbour", "description": "井盖缺失", "beat_id": w.tree.beat_b.pk},
        ),
        "findings_transition": (
            "chief_b",
            {"finding_id": w.finding.pk},
            {"action": "triage", "version": w.finding.version},
        ),
        "visits_submit": ("officer_b", {}, _visit_body(w)),
        "offline_queue": ("officer_b", {}, {"pending": 0}),
    }


# Operations with a body that create or change records, and where their check is.
API_BODY_OPS = {
    "findings_create": "here",
    "findings_transition": "here",
    "visits_submit": "here",
    "visits_raise_finding": "here (after a visit)",
    "offline_queue": "here",
    "auth_token": "creates a token of the authenticated user only (org/tests/test_api_auth.py)",
    "visits_photo": "multipart: a file and its visit's client_uuid, nothing else is read",
    "supervision_verification_submit": "the body schema has no such field (test below)",
    "patrol_decide": "the body schema has no such field (test below)",
}


def _post(client, op: walk.Operation, values: dict, body: dict):
    return client.generic(
        op.method, walk.api_url(op, values), json.dumps(body), content_type="application/json"
    )


@pytest.mark.parametrize("key", ["findings_create", "findings_transition", "visits_submit"])
def test_an_api_body_takes_none_of_the_injected_fields(key, world, injected, request, client_for):
    user_name, values, body = _api_cases(world)[key]
    op = next(o for o in walk.operations() if o.key == key)
    user = request.getfixturevalue(user_name)
    client = client_for(user)
    declared = set(op.body.get("properties", {}))
    extras = {k: v for k, v in injected.items() if k not in declared}
    before = _stored(extras)
    response = _post(client, op, values, {**body, **extras})
    assert response.status_code in (200, 201), response.content
    assert not _grown(before, _stored(extras)), f"{key} stored injected values"
    if key == "visits_submit":  # and a finding raised from that visit
        visit_id = response.json()["id"]
        op = next(o for o in walk.operations() if o.key == "visits_raise_finding")
        body = {"client_uuid": str(uuid.uuid4()), "kind": "clue-fraud", "description": "冒充客服"}
        before = _stored(extras)
        response = _post(client, op, {"visit_id": visit_id}, {**body, **extras})
        assert response.status_code == 201, response.content
        assert not _grown(before, _stored(extras)), "visits_raise_finding stored injected values"


def test_the_queue_report_changes_nothing_of_the_user(world, injected, officer_b, client_for):
    op = next(o for o in walk.operations() if o.key == "offline_queue")
    response = _post(client_for(officer_b), op, {}, {"pending": 0, **injected})
    assert response.status_code == 200, response.content
    officer_b.refresh_from_db()
    assert officer_b.role == "community_officer"
    assert not officer_b.is_superuser


def test_every_api_body_is_accounted_for_and_declares_no_protected_field():
    """Each operation with a body is checked here or says where; and no body schema offers a
    field that names ownership, state or privilege — except a transition's target unit and
    assignee (the action's own input, checked by the workflow against the owner unit), and the
    beat a finding is raised in (looked up among the units the sender sees)."""
    allowed = {
        ("findings_transition", "unit_id"),
        ("findings_transition", "assignee_id"),
        ("findings_create", "beat_id"),
    }
    with_body = {o.key for o in walk.operations() if o.method in {"POST", "PUT", "PATCH"}}
    assert with_body == set(API_BODY_OPS)
    for op in walk.operations():
        for name in (op.body or {}).get("properties", {}):
            if name in TARGETS:
                assert (op.key, name) in allowed, f"{op.key} takes {name!r} in its body"


def test_a_transition_takes_a_person_or_unit_only_where_its_action_uses_one(
    world, tree, officer_a, chief_b, client_for
):
    """The transition body declares `assignee_id` and `unit_id` (assign, transfer): sent with
    another action they change nothing, and an assignee outside the owner unit is refused."""
    op = next(o for o in walk.operations() if o.key == "findings_transition")
    client = client_for(chief_b)
    finding = world.finding
    foreign = {"assignee_id": officer_a.pk, "unit_id": tree.beat_a.pk}
    body = {"action": "triage", "version": finding.version, **foreign}
    response = _post(client, op, {"finding_id": finding.pk}, body)
    assert response.status_code == 200, response.content
    finding.refresh_from_db()
    assert finding.state == "triaged"
    assert finding.assignee_id is None
    assert not finding.owner_path.startswith(tree.county_x.path)
    assert finding.transfer_to_id is None
    body = {"action": "assign", "version": finding.version, "assignee_id": officer_a.pk}
    response = _post(client, op, {"finding_id": finding.pk}, body)
    assert response.status_code == 422, response.content
    finding.refresh_from_db()
    assert finding.assignee_id is None


@pytest.mark.parametrize(
    ("action", "typed"),
    [
        ("suggest", {"text": "路口晚上太暗,希望加装路灯"}),
        ("clue", {"clue_kind": "fraud", "text": "有人冒充客服让老人转账", "anonymous": "on"}),
    ],
)
def test_a_public_form_takes_none_of_the_injected_fields(
    action, typed, world, injected, client, settings
):
    """The public page (no login): a suggestion or a clue for beat B lands in beat B, in the
    state the moderation rules give it, linked to no finding the sender names."""
    settings.OUTREACH_POW_BITS = 6
    cache.clear()
    challenge = guard.challenge_new()
    proof = {
        "challenge": challenge["challenge"],
        "answer": guard.challenge_solve(challenge["challenge"], challenge["bits"]),
    }
    # Both are accepted without moderation when nothing looks abusive; a state the sender
    # chose would show as another one.
    extras = {**injected, "state": SubmissionState.DISCARDED, "finding": world.finding.pk}
    targets = {**TARGETS, "finding": "finding_id"}
    before = _stored_as(extras, targets)
    url = reverse(f"public:{action}", args=[beat_token(world.tree.beat_b)])
    response = client.post(url, {**typed, **proof, **extras})
    assert response.status_code == 200, response.content.decode()[:500]
    sub = PublicSubmission.objects.get()
    assert sub.beat_id == world.tree.beat_b.pk
    assert sub.finding_id != world.finding.pk
    assert sub.state == SubmissionState.ACCEPTED
    assert not _grown(before, _stored_as(extras, targets)), f"public:{action} stored them"
