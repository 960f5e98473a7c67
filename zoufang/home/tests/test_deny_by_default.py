"""Deny by default (issue 17 part 2, decision 0048): every URL pattern of both URLconfs and
every API operation is declared with its access rule in an `access_map` module, and the
declarations are checked against what the routes do:

- a route or operation without a rule fails, and so does a rule naming a route that is gone;
- anonymous: every non-public page redirects to the login, every non-public operation is 401;
- `role:` rules: a signed-in user of a role outside the rule is refused (403 or 404), on a
  real object of their own beat where the route takes one;
- objects: a county's user gets 404 for a real object of the other county (pages and API);
- `public` routes show no resident's name, ID number or phone, and public operations document
  no personal field; the public host serves `public` routes only.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zoufang.dashboard.reports import report_create
from zoufang.home.tests import access_walk as walk
from zoufang.notifications.models import Notification
from zoufang.notifications.services import notify
from zoufang.outreach.models import PublicSubmission
from zoufang.outreach.sheets import beat_token
from zoufang.patrol.services.run import rules_ensure
from zoufang.supervision.services.honours import honour_propose
from zoufang.visits.tests.factories import record

ROUTES, OPERATIONS = walk.routes(), walk.operations()
ROUTE_RULES, OP_RULES, ROLE_SETS = walk.declared()
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
PERSONAL_FIELDS = ("id_number", "phone", "contact", "birth")


def _ids(items) -> list[str]:
    return [i.key for i in items]


# ---- every route and operation is declared, and nothing else is ----------------------------


def test_every_route_is_declared_with_its_access_rule():
    missing = sorted(r.key for r in ROUTES if r.key not in ROUTE_RULES)
    assert not missing, f"routes without an access rule (add them to an access_map): {missing}"


def test_every_api_operation_is_declared_with_its_access_rule():
    missing = sorted(o.key for o in OPERATIONS if o.key not in OP_RULES)
    assert not missing, f"API operations without an access rule (an access_map's API): {missing}"


def test_no_declaration_names_a_route_or_operation_that_is_gone():
    stale = sorted(set(ROUTE_RULES) - {r.key for r in ROUTES})
    stale += sorted(set(OP_RULES) - {o.key for o in OPERATIONS})
    assert not stale, f"declared but no longer routed: {stale}"


def test_every_rule_is_spelled_in_the_vocabulary_and_every_role_rule_lists_its_roles():
    for key, rule in {**ROUTE_RULES, **OP_RULES}.items():
        assert walk.RULE_RE.match(rule), f"{key}: {rule!r} is not public/login/scoped:/role:"
        if rule.startswith("role:"):
            assert ROLE_SETS.get(rule), f"{key}: {rule} has no ROLES entry in an access_map"


def test_the_public_host_serves_public_routes_only():
    public_host = [r for r in ROUTES if r.urlconf == "config.urls_public"]
    assert public_host
    wrong = [r.key for r in public_host if ROUTE_RULES.get(r.key) != "public"]
    # A route of both URLconfs is walked once (from the staff site's); check the public one.
    public_only = walk._walk(walk.get_resolver("config.urls_public"), "", None, [], None)
    wrong += [r.key for r in public_only if ROUTE_RULES.get(r.key) != "public"]
    assert not wrong, f"the public host serves non-public routes: {wrong}"


# ---- anonymous: the login, never the page -----------------------------------------------


def _anon(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 405:  # a POST-only view: the refusal must come first still
        response = client.post(url)
    return response


PRIVATE_ROUTES = [r for r in ROUTES if ROUTE_RULES.get(r.key, "public") != "public"]
PRIVATE_OPS = [o for o in OPERATIONS if OP_RULES.get(o.key, "public") != "public"]


@pytest.mark.django_db
def test_every_non_public_page_sends_an_anonymous_visitor_to_the_login():
    client = Client()
    wrong = []
    for route in PRIVATE_ROUTES:
        url = walk.url_for(route)
        response = _anon(client, url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(LOGIN_PATHS):
            wrong.append(f"{route.key} {url} -> {response.status_code} {location}")
    assert not wrong, "\n".join(wrong)
    assert len(PRIVATE_ROUTES) > 100  # the walk found the site


@pytest.mark.django_db
def test_every_non_public_api_operation_answers_401_to_an_anonymous_caller():
    client = Client()
    wrong = []
    for op in PRIVATE_OPS:
        response = client.generic(
            op.method,
            walk.api_url(op),
            data="{}" if op.body else "",
            content_type="application/json",
        )
        if response.status_code != 401:
            wrong.append(f"{op.key} {op.method} {op.path} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert len(PRIVATE_OPS) > 30


# ---- a world of real objects in county Y (beat B) ------------------------------------------


def _page_values(w) -> dict[str, dict[str, object]]:
    """For each object route: the URL values naming a real object of beat B."""
    t, p = w.tree, w
    return {
        "org:unit_detail": {"pk": t.beat_b.pk},
        "org:unit_children": {"pk": t.s2.pk},
        "org:personnel_detail": {"pk": p.people.co_b.pk},
        "org:personnel_edit": {"pk": p.people.co_b.pk},
        "org:team_detail": {"pk": p.people.team_b.pk},
        "org:team_member_add": {"pk": p.people.team_b.pk},
        "org:team_member_remove": {"pk": p.people.team_b.pk, "person_pk": p.people.co_b.pk},
        "registry:place_detail": {"pk": p.place.pk},
        "registry:place_edit": {"pk": p.place.pk},
        "registry:household_edit": {"pk": p.place.pk},
        "registry:org_edit": {"pk": p.place.pk},
        "registry:key_item_new": {"pk": p.place.pk},
        "registry:person_detail": {"pk": p.resident.pk},
        "registry:person_edit": {"pk": p.resident.pk},
        "registry:key_person_edit": {"pk": p.resident.pk},
        "registry:person_reveal": {"pk": p.resident.pk},
        "findings:detail": {"pk": p.finding.pk},
        "findings:act": {"pk": p.finding.pk},
        "findings:refer": {"pk": p.finding.pk},
        "visits:task_detail": {"pk": p.task.pk},
        "visits:record": {"pk": p.task.pk},
        "visits:beat_tasks": {"beat_id": t.beat_b.pk},
        "visits:generate": {"beat_id": t.beat_b.pk},
        "visits:reassign": {"beat_id": t.beat_b.pk},
        "visits:unvisited": {"beat_id": t.beat_b.pk},
        "visits:visit_detail": {"pk": p.visit.pk},
        "notifications:open": {"pk": p.note.pk},
        "outreach:submission": {"pk": p.submission.pk},
        "outreach:decide": {"pk": p.submission.pk},
        "outreach:submission_photo": {"pk": p.submission.pk},
        **{
            f"dashboard:report_{name}": {"pk": p.report.pk}
            for name in ("detail", "publish", "pdf", "xlsx")
        },
    }


def _api_values(w) -> dict[str, dict[str, object]]:
    t = w.tree
    return {
        "org_unit": {"unit_id": t.beat_b.pk},
        "org_person": {"person_id": w.people.co_b.pk},
        "org_team": {"team_id": w.people.team_b.pk},
        "registry_place": {"place_id": w.place.pk},
        "registry_place_history": {"place_id": w.place.pk},
        "registry_person": {"person_id": w.resident.pk},
        "findings_detail": {"finding_id": w.finding.pk},
        "findings_transition": {"finding_id": w.finding.pk},
        "visits_task": {"task_id": w.task.pk},
        "visits_detail": {"visit_id": w.visit.pk},
        "visits_raise_finding": {"visit_id": w.visit.pk},
    }


@pytest.fixture
def values(world, officer_b, chief_b, office, campaign):
    """The world, with a visit recorded in beat B, a notification of beat B's chief, a
    message from the public page about beat B and a daily report of county Y."""
    world.visit = record(world.task, officer_b, answers={"householder_name": "丁秀英"})
    notify(kind="test", title="丁庄村的通知", users=[chief_b])
    world.note = Notification.objects.get(user=chief_b)
    beat = world.tree.beat_b
    world.submission = PublicSubmission.objects.create(
        reference="ZF-DENY-1", code_hash="x", campaign=campaign, beat=beat, kind="opinion"
    )
    world.report = report_create(
        actor=None,
        unit=world.tree.county_y,
        campaign=campaign,
        date_from=campaign.start_date,
        date_to=timezone.localdate(),
    )
    return _page_values(world), _api_values(world)


@pytest.fixture
def role_values(values, campaign, office):
    """For the role check only (not a county's objects): a patrol rule, a proposed honour
    list."""
    pages, apis = values
    rule = rules_ensure(campaign)[0]
    honour = honour_propose(campaign=campaign, kind="commend", actor=office)
    pages = {
        **pages,
        "patrol:rule_edit": {"pk": rule.pk},
        "supervision:honour_detail": {"pk": honour.pk},
        "supervision:honour_act": {"pk": honour.pk},
    }
    return pages, apis


def _request(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def _call(client: Client, op: walk.Operation, values: dict) -> object:
    return client.generic(
        op.method,
        walk.api_url(op, values),
        data=__import__("json").dumps(walk.sample_body(op.body)) if op.body else "",
        content_type="application/json",
    )


# ---- objects of the other county are 404 --------------------------------------------------


def test_a_user_of_another_county_gets_404_on_every_object_route(values, county_admin, client_for):
    """county_admin (county X) may see key persons and edit the registry in X; nothing of
    county Y exists for them — on every route that names an object, page or API."""
    page_values, api_values = values
    client = client_for(county_admin)
    by_key = {r.key: r for r in ROUTES}
    wrong = []
    for key, kwargs in page_values.items():
        url = walk.url_for(by_key[key], kwargs)
        status = _request(client, url).status_code
        if status != 404:
            wrong.append(f"{key} {url} -> {status}")
    ops = {o.key: o for o in OPERATIONS}
    for key, kwargs in api_values.items():
        status = _call(client, ops[key], kwargs).status_code
        if status != 404:
            wrong.append(f"{key} {ops[key].path} -> {status}")
    assert not wrong, "\n".join(wrong)


def test_the_same_object_routes_answer_inside_the_county(values, chief_b, client_for):
    """The check above can fail: the station chief of beat B opens the same objects' pages."""
    page_values, api_values = values
    client = client_for(chief_b)
    by_key = {r.key: r for r in ROUTES}
    for key in [
        "org:unit_detail",
        "registry:place_detail",
        "findings:detail",
        "visits:task_detail",
    ]:
        assert client.get(walk.url_for(by_key[key], page_values[key])).status_code == 200, key
    ops = {o.key: o for o in OPERATIONS}
    for key in ["registry_place", "findings_detail", "visits_task"]:
        assert _call(client, ops[key], api_values[key]).status_code == 200, key


# ---- role rules refuse the other roles ----------------------------------------------------

# Signed-in users tried in this order; the first whose role is outside a rule's set is used.
# Those of county Y come first, so an object of beat B is in their jurisdiction.
OUTSIDERS = [
    "officer_b",
    "chief_b",
    "member_a",
    "researcher",
    "supervisor",
    "county_admin",
    "office",
    "leader",
]


def _outsider(request, roles: frozenset):
    for name in OUTSIDERS:
        user = request.getfixturevalue(name)
        if user.role not in roles:
            return user
    raise AssertionError(f"every cast member holds one of {sorted(roles)}")


ROLE_ROUTES = [r for r in ROUTES if ROUTE_RULES.get(r.key, "").startswith("role:")]
ROLE_OPS = [o for o in OPERATIONS if OP_RULES.get(o.key, "").startswith("role:")]


def test_every_role_rule_refuses_a_user_of_another_role(request, role_values, client_for):
    page_values, api_values = role_values
    wrong = []
    for route in ROLE_ROUTES:
        user = _outsider(request, ROLE_SETS[ROUTE_RULES[route.key]])
        url = walk.url_for(route, page_values.get(route.key))
        status = _request(client_for(user), url).status_code
        if status not in (403, 404):
            wrong.append(f"{route.key} {url} as {user.username} ({user.role}) -> {status}")
    for op in ROLE_OPS:
        user = _outsider(request, ROLE_SETS[OP_RULES[op.key]])
        status = _call(client_for(user), op, api_values.get(op.key, {})).status_code
        if status not in (403, 404):
            wrong.append(f"{op.key} {op.path} as {user.username} ({user.role}) -> {status}")
    assert not wrong, "\n".join(wrong)
    assert len(ROLE_ROUTES) > 40


# ---- public routes carry no personal data -------------------------------------------------

PUBLIC_ROUTES = [r for r in ROUTES if ROUTE_RULES.get(r.key) == "public"]


def test_public_pages_show_no_residents_data(world, client):
    """Every public GET route (the public page with beat B's real link) is free of the beat's
    resident: name, ID number, phone (full or masked), and of the finding's text."""
    r = world.resident
    secrets = [r.name, world.id_number, "13912345678", r.phone_masked, r.id_masked]
    secrets += [world.finding.description]
    token = beat_token(world.tree.beat_b)
    checked = 0
    for route in PUBLIC_ROUTES:
        if route.key.endswith(":*") or route.key in {"logout", "set_language"}:
            continue
        url = walk.url_for(route, {"token": token})
        response = client.get(url)
        if response.status_code != 200 or response.get("Content-Type", "").startswith("image/"):
            continue
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, f"{route.key} {url} shows {leaked}"
        checked += 1
    assert checked >= 8  # the public page, its beat page and form pages, help, login


def _properties(node: dict, seen: set) -> set[str]:
    node = walk.resolve(node)
    names: set[str] = set()
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            names |= _properties(node[key], seen)
    for key in ("anyOf", "allOf", "oneOf"):
        for part in node.get(key, []):
            names |= _properties(part, seen)
    for name, prop in node.get("properties", {}).items():
        names.add(name)
        ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if ref and ref not in seen:
            seen.add(ref)
            names |= _properties(prop, seen)
    return names


def test_public_api_operations_document_no_personal_field():
    public_ops = [o for o in OPERATIONS if OP_RULES.get(o.key) == "public"]
    assert public_ops
    for op in public_ops:
        responses = walk.schema()["paths"][op.path][op.method.lower()]["responses"]
        for answer in responses.values():
            for content in answer.get("content", {}).values():
                fields = _properties(content["schema"], set())
                personal = [f for f in fields if any(p in f for p in PERSONAL_FIELDS)]
                assert not personal, f"{op.key} answers {personal}"


def test_the_login_url_is_the_one_the_redirects_go_to():
    assert reverse(settings.LOGIN_URL) == LOGIN_PATHS[0]
