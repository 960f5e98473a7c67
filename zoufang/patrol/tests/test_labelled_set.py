"""The labelled set: each rule flags every planted case and none of the honest near-misses."""

from __future__ import annotations

import pytest

from zoufang.patrol.labelled import build_labelled_set
from zoufang.patrol.models import Flag
from zoufang.patrol.report import labelled_table
from zoufang.patrol.rules import KINDS
from zoufang.patrol.services.run import patrol_run


@pytest.fixture
def labelled(tree, campaign):
    return build_labelled_set(campaign, tree.city)


@pytest.fixture
def flags(labelled, campaign):
    patrol_run(campaign=campaign)
    return list(Flag.objects.in_subtree(labelled.county.path).select_related("rule"))


def test_every_rule_has_cases_of_both_kinds(labelled):
    for kind in KINDS:
        assert any(e.kind == kind and e.flag for e in labelled.expects), kind
        assert any(e.kind == kind and not e.flag for e in labelled.expects), kind


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_must_flag_is_flagged(kind, labelled, flags):
    for expect in (e for e in labelled.expects if e.kind == kind and e.flag):
        assert any(expect.matches(f) for f in flags), expect.label


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_must_not_is_flagged(kind, labelled, flags):
    for expect in (e for e in labelled.expects if e.kind == kind and not e.flag):
        wrong = [f for f in flags if expect.matches(f)]
        assert not wrong, (expect.label, [f.summary for f in wrong])


def test_precision_and_recall_table(labelled, flags, capsys):
    rows = labelled_table(labelled, flags)
    with capsys.disabled():
        print("\nrule            TP FP FN  precision recall")
        for r in rows:
            print(f"{r.kind:15} {r.tp:2} {r.fp:2} {r.fn:2}  {r.precision:9.2f} {r.recall:6.2f}")
    assert all(r.recall == 1.0 for r in rows)
    assert all(r.precision == 1.0 for r in rows)
