from __future__ import annotations

import pytest

from zoufang.campaigns.services import departments_sync
from zoufang.findings.catalog import catalog_sync


@pytest.fixture
def catalog(db):
    """The default kinds and routing tables, with the departments they route to."""
    departments_sync()
    catalog_sync()


@pytest.fixture
def raise_finding(catalog, tree):
    """raise_finding(actor, kind_code="dispute-neighbour", beat=tree.beat_a, **kw) -> Finding"""
    from zoufang.findings.services.create import finding_create

    def make(actor=None, kind_code: str = "dispute-neighbour", beat=None, **kw):
        kw.setdefault("description", "两户因楼道堆放杂物发生争吵")
        return finding_create(
            actor=actor, kind_code=kind_code, beat=beat or tree.beat_a, **kw
        ).finding

    return make


@pytest.fixture
def act():
    """act(finding, actor, action, **kw): apply an action with the current version."""
    from zoufang.findings.models import Finding
    from zoufang.findings.services.workflow import finding_transition

    def run(finding, actor, action, **kw):
        current = Finding.objects.get(pk=finding.pk)
        kw.setdefault("version", current.version)
        return finding_transition(finding=current, actor=actor, action=action, **kw)

    return run


@pytest.fixture
def resolve(act):
    """resolve(finding, manager, handler, comment): triage, assign to the handler, start and
    resolve it — the usual road to a resolved finding."""

    def run(finding, manager, handler, comment="已处理"):
        act(finding, manager, "triage")
        act(finding, manager, "assign", assignee=handler)
        act(finding, handler, "start")
        act(finding, handler, "resolve", comment=comment)

    return run


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English (pages render in the user's language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
