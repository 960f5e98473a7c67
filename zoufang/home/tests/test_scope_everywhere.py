"""Every place that counts or lists across units keeps to the user's jurisdiction: records
planted in the other county (a person, a team, a shop, an enterprise, addresses with visit
tasks, a finding) never appear by name or number on any page, export or admin list of a user
anchored in this county, and the figures do not move when they are added. Campaign-wide
roles see them (so the check can fail); the researcher sees none. Opening such a record in
the admin answers 404, as every page does for what the user must not know exists."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from zoufang.findings.tests.cast import ROLES
from zoufang.org.models import Personnel
from zoufang.org.tests.factories import PersonnelFactory, TeamFactory
from zoufang.registry.tests import factories as reg
from zoufang.visits.services import tasks_generate

# Which county each anchored role sits in; campaign-wide roles see both, the researcher none.
COUNTY = {
    "county_admin": "x",
    "chief_a": "x",
    "officer_a": "x",
    "member_a": "x",
    "chief_b": "y",
    "officer_b": "y",
}
WIDE = {"office", "supervisor", "leader"}

PAGES = [
    ("home", {}),
    ("org:unit_tree", {}),
    ("org:personnel_list", {}),
    ("org:personnel_list", {"export": "xlsx"}),
    ("org:team_list", {}),
    ("org:team_list", {"export": "xlsx"}),
    ("registry:place_list", {}),
    ("registry:place_list", {"export": "xlsx"}),
    ("registry:shop_list", {}),
    ("registry:shop_list", {"export": "xlsx"}),
    ("registry:enterprise_list", {}),
    ("registry:enterprise_list", {"export": "xlsx"}),
    ("visits:today", {}),
    ("visits:coverage", {}),
    ("findings:ledger", {}),
    ("findings:ledger", {"export": "xlsx"}),
    ("findings:stats", {}),
    ("notifications:list", {}),
    ("supervision:deployment", {}),
    ("supervision:deployment", {"export": "xlsx"}),
    ("supervision:verification_list", {}),
    ("supervision:verification_list", {"export": "xlsx"}),
    ("supervision:inspection_board", {}),
    ("supervision:scores", {}),
    ("supervision:scores", {"export": "xlsx"}),
    ("supervision:honour_lists", {}),
    ("supervision:deepening", {}),
    ("admin:org_personnel_changelist", {}),
    ("admin:org_team_changelist", {}),
    ("admin:registry_place_changelist", {}),
    ("admin:findings_finding_changelist", {}),
]


def _plant(tag, beat, station, campaign, raise_finding):
    """One county's marked records: every name carries `tag`."""
    person = PersonnelFactory(name=f"{tag}民警", unit=station, beat=beat, is_active=True)
    team = TeamFactory(campaign=campaign, beat=beat, name=f"{tag}走访组", leader=person)
    shop = reg.shop(beat, name=f"{tag}烟酒店")
    enterprise = reg.enterprise(beat, name=f"{tag}机械厂")
    reg.dwelling(beat, road=f"{tag}大街", number="8")
    tasks_generate(campaign=campaign, beat=beat, actor=None)
    finding = raise_finding(None, beat=beat, description=f"{tag}楼道堆放杂物")
    return SimpleNamespace(
        markers=[
            person.name,
            team.name,
            shop.name,
            enterprise.name,
            f"{tag}大街",
            finding.number,
            f"{tag}楼道",
        ],
        person=person,
        team=team,
        place=shop.place,
        finding=finding,
        beat=beat,
    )


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxml"):
        data = b"".join(response.streaming_content)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return repr([book.get_sheet_by_name(n).to_python() for n in book.sheet_names])
    return response.content.decode()


def _read(client) -> dict[str, str]:
    out = {}
    for name, params in PAGES:
        response = client.get(reverse(name), params)
        if response.status_code in (302, 403, 404):  # a page this role does not have
            out[f"{name} {params}"] = ""
            continue
        assert response.status_code == 200, (name, params, response.status_code)
        out[f"{name} {params}"] = _text(response)
    return out


def _figures(texts: dict[str, str]) -> dict[str, list[str]]:
    """Every number the pages mark as a figure (`data-stat`, `data-count`)."""
    return {
        where: re.findall(r'data-(?:stat|count)="[\w-]+">\s*([\d,.]+)', text)
        for where, text in texts.items()
        if "xlsx" not in where
    }


@pytest.fixture
def planted(tree, campaign, catalog):
    from zoufang.findings.services.create import finding_create

    def raise_finding(actor, beat, description):
        return finding_create(
            actor=actor, kind_code="dispute-neighbour", beat=beat, description=description
        ).finding

    def plant(side):
        if side == "x":
            return _plant("魏都甲", tree.beat_a, tree.s1, campaign, raise_finding)
        return _plant("建安乙", tree.beat_b, tree.s2, campaign, raise_finding)

    return plant


@pytest.mark.parametrize("role", ROLES)
def test_records_of_the_other_county_appear_nowhere(role, request, client_for, planted):
    user = request.getfixturevalue(role)
    client = client_for(user)
    own_side = COUNTY.get(role)
    if own_side:
        own = planted(own_side)
        before = _figures(_read(client))
        foreign = planted("y" if own_side == "x" else "x")
    else:
        own, foreign = None, planted("x")
        planted_y = planted("y")
    texts = _read(client)
    if role in WIDE:
        # Campaign-wide: both counties' records are listed (the check can fail).
        for marker in foreign.markers + planted_y.markers:
            assert any(marker in t for t in texts.values()), marker
        return
    hidden = foreign.markers + (planted_y.markers if own is None else [])
    hidden_beat = foreign.beat
    for where, text in texts.items():
        for marker in hidden:
            assert marker not in text, (where, marker)
    for name, pk in [
        ("visits:unvisited", hidden_beat.pk),
        ("visits:beat_tasks", hidden_beat.pk),
        ("org:unit_detail", hidden_beat.pk),
        ("org:personnel_detail", foreign.person.pk),
        ("org:team_detail", foreign.team.pk),
        ("registry:place_detail", foreign.place.pk),
    ]:
        response = client.get(reverse(name, args=[pk]), {"export": "xlsx"})
        assert response.status_code == 404, (name, response.status_code)
    if own is not None:
        assert _figures(texts) == before
        for marker in own.markers[:2]:
            assert any(marker in t for t in texts.values()), marker


ADMIN_PAGES = {
    "person": "admin:org_personnel_change",
    "team": "admin:org_team_change",
    "place": "admin:registry_place_change",
    "finding": "admin:findings_finding_change",
}


@pytest.mark.parametrize("role", ["county_admin", "chief_a", "chief_b"])
def test_opening_a_foreign_record_in_the_admin_is_a_404(role, request, client_for, planted):
    user = request.getfixturevalue(role)
    assert user.is_staff
    own_side = COUNTY[role]
    own = planted(own_side)
    foreign = planted("y" if own_side == "x" else "x")
    client = client_for(user)
    # The admin is for administrators and the office (issue 17): a station chief, staff or
    # not, gets 404 for the whole site, their own records included.
    may_manage = user.may_use_admin_site
    for what, name in ADMIN_PAGES.items():
        mine = client.get(reverse(name, args=[getattr(own, what).pk]))
        assert mine.status_code == (200 if may_manage else 404), (what, mine.status_code)
        theirs = client.get(reverse(name, args=[getattr(foreign, what).pk]))
        assert theirs.status_code == 404, (what, theirs.status_code)
        history = client.get(
            reverse(name.replace("_change", "_history"), args=[getattr(foreign, what).pk])
        )
        assert history.status_code == 404, (what, "history", history.status_code)
    assert Personnel.objects.filter(pk=foreign.person.pk).exists()
