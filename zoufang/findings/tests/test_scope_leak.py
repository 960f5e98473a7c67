"""A finding outside the user's jurisdiction appears nowhere: no queue, tab, count, export,
API list or bell names it, sensitive or not — also when another county asks one of the
user's units to take over a sensitive clue the user cannot read (the 超期 queue of 魏都分局
used to list such clues of other county bureaus as restricted rows)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from zoufang.findings.models import Finding
from zoufang.findings.selectors import QUEUES
from zoufang.findings.services.sweep import findings_sweep
from zoufang.findings.tests.cast import ROLES
from zoufang.notifications.models import Notification

# Paths of the cast's anchor units, spelled out (not read through the product's scope rule).
ANCHOR = {
    "county_admin": "411000/411002/",
    "chief_a": "411000/411002/411002001/",
    "officer_a": "411000/411002/411002001/411002001001/",
    "member_a": "411000/411002/411002001/411002001001/",
    "chief_b": "411000/411003/411003001/",
    "officer_b": "411000/411003/411003001/411003001001/",
    "office": "",  # campaign-wide
    "supervisor": "",
    "leader": "",
    "researcher": None,  # no unit data
}


def _side(raise_finding, act, office, beat, other_station) -> list[Finding]:
    """One county's findings in the states every queue shows, and a sensitive clue it asks a
    station of the other county to take over. Raised from the public page (no reporter)."""
    s_transfer = raise_finding(None, kind_code="clue-gang", beat=beat, description="收保护费")
    act(s_transfer, office, "transfer", unit=other_station, comment="相邻辖区")
    act(s_transfer, office, "supervise")
    s_open = raise_finding(None, kind_code="clue-terror", beat=beat, description="散布极端言论")
    p_open = raise_finding(None, beat=beat, grade="serious", description="楼道堆放杂物争吵")
    act(p_open, office, "supervise")
    resolved = []
    for kind in ("hazard-fire", "clue-gang"):
        f = raise_finding(None, kind_code=kind, beat=beat, description=f"{kind} 已处置")
        act(f, office, "triage")
        act(f, office, "assign", unit=f.owner_unit if f.owner_unit.level >= 3 else beat.parent)
        act(f, office, "start")
        act(f, office, "resolve", comment="已处置")
        resolved.append(f)
    return [s_transfer, s_open, p_open, *resolved]


def _world(role, raise_finding, act, office, tree) -> list[Finding]:
    """The other county's findings (both counties' for unanchored roles), then the sweep four
    days later: the serious ones are overdue."""
    rows = []
    if not ANCHOR[role] or "411003" in ANCHOR[role]:
        rows += _side(raise_finding, act, office, tree.beat_a, tree.s2)
    if not ANCHOR[role] or "411002" in ANCHOR[role]:
        rows += _side(raise_finding, act, office, tree.beat_b, tree.s1)
    findings_sweep(now=timezone.now() + dt.timedelta(days=4))
    rows = list(Finding.objects.filter(pk__in=[f.pk for f in rows]))
    assert any(f.is_overdue and f.transfer_path for f in rows)
    assert any(f.is_overdue and not f.transfer_path for f in rows)
    return rows


# Cast users holding the sensitive-clue permission over their anchor (root conftest): a
# sensitive clue the other county asks their unit to take over is theirs to see, read and
# accept; for everyone else there it does not exist.
HOLDERS = {"county_admin", "chief_a"}


def _foreign(role: str, rows: list[Finding]) -> list[Finding]:
    """The findings neither in the user's territory nor owned in it (nor, for a holder of the
    sensitive-clue permission, sent to it)."""
    anchor = ANCHOR[role]
    if anchor is None:
        return rows
    return [
        f
        for f in rows
        if not (
            f.unit_path.startswith(anchor)
            or f.owner_path.startswith(anchor)
            or (role in HOLDERS and f.transfer_path.startswith(anchor) and f.transfer_path)
        )
    ]


def _numbers(rows: list[Finding]) -> list[str]:
    return [f.number for f in rows]


def _texts(client, user) -> dict[str, str]:
    """Everything the user's pages, export, API and bell say, by where it was read."""
    out = {}
    for queue in ("", *QUEUES):
        out[f"ledger {queue}"] = client.get(reverse("findings:ledger"), {"queue": queue}).content
        export = client.get(reverse("findings:ledger"), {"queue": queue, "export": "xlsx"})
        book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
        out[f"export {queue}"] = repr(book.get_sheet_by_index(0).to_python())
        out[f"api {queue}"] = client.get(
            "/api/v1/findings/", {"queue": queue, "limit": 500}
        ).content
    for tab in ("assigned", "followup", "reported"):
        out[f"mine {tab}"] = client.get(reverse("findings:mine"), {"tab": tab}).content
    out["figures"] = client.get(reverse("findings:stats")).content
    out["bell list"] = client.get(reverse("notifications:list")).content
    out["bell rows"] = repr(list(Notification.objects.filter(user=user).values()))
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in out.items()}


def _counts(client) -> dict[str, str]:
    body = client.get(reverse("findings:mine")).content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', body))
    badge = client.get(reverse("notifications:badge")).content.decode()
    counts["bell"] = re.sub(r"\s+", " ", badge)
    stats = client.get(reverse("findings:stats")).context["rows"]
    counts["figures"] = [(r.unit.code, r.raised, r.open, r.overdue, r.resolved) for r in stats]
    return counts


@pytest.mark.parametrize("role", ROLES)
def test_a_foreign_finding_appears_nowhere(
    role, request, client_for, raise_finding, act, office, tree
):
    user = request.getfixturevalue(role)
    client = client_for(user)
    before = _counts(client)
    assert set(before) == {"assigned", "followup", "reported", "bell", "figures"}
    rows = _world(role, raise_finding, act, office, tree)
    foreign = _foreign(role, rows)
    texts = _texts(client, user)
    for where, text in texts.items():
        for f in foreign:
            assert f.number not in text, (where, f.number, f.sensitive)
            assert f"/findings/{f.pk}/" not in text, (where, f.number)
    # Nothing foreign was added to a count or to the bell.
    if ANCHOR[role] != "":
        sent_here = 1 if role in HOLDERS else 0
        assert len(foreign) == len(rows) - sent_here
        assert _counts(client) == before
    # The check can fail: what is not foreign is listed (campaign-wide roles: everything).
    own = [f for f in rows if f not in foreign]
    for f in own:
        assert f.number in texts["ledger "]
    if ANCHOR[role] == "":
        assert not foreign
        assert len(own) == len(rows)
