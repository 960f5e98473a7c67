"""Cross-inspection (交叉互查): who inspects whom.

A pairing gives every unit one target and every unit one inspector (a permutation of the
units) such that no unit inspects itself, its own parent or its own child (any ancestor or
descendant), and — when any such permutation exists — no two units inspect each other. The
search is a randomised backtracking over the units (a few dozen at most: the county bureaus of
a city, the stations of a county), first forbidding 2-cycles, then allowing them only if
nothing else is possible (two units can only inspect each other).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.findings.models import Finding
from zoufang.org.models import Unit
from zoufang.supervision.models import CrossInspection, CrossPairing
from zoufang.supervision.services.config import settings_for
from zoufang.visits.models import Outcome, Visit

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User


class Node(Protocol):
    pk: int
    path: str


def related(a: Node, b: Node) -> bool:
    """Same unit, or one above the other."""
    return a.path.startswith(b.path) or b.path.startswith(a.path)


def _search(
    units: Sequence[Node], rng: random.Random, *, avoid_pairs: bool
) -> dict[int, int] | None:
    order = list(units)
    rng.shuffle(order)
    targets: dict[int, int] = {}
    used: set[int] = set()

    def place(i: int) -> bool:
        if i == len(order):
            return True
        a = order[i]
        options = [b for b in units if b.pk not in used and not related(a, b)]
        rng.shuffle(options)
        for b in options:
            if avoid_pairs and targets.get(b.pk) == a.pk:
                continue
            targets[a.pk] = b.pk
            used.add(b.pk)
            if place(i + 1):
                return True
            del targets[a.pk]
            used.discard(b.pk)
        return False

    return dict(targets) if place(0) else None


def generate(units: Sequence[Node], rng: random.Random) -> dict[int, int]:
    """{inspector id: target id} for `units` (see the module docstring)."""
    if len(units) < 2:
        raise ValidationError(
            _("A pairing needs at least two units; there are %(n)s.") % {"n": len(units)}
        )
    found = _search(units, rng, avoid_pairs=True) or _search(units, rng, avoid_pairs=False)
    if found is None:
        raise ValidationError(
            _("No pairing is possible: every unit would inspect itself, its parent or its child.")
        )
    return found


def two_cycles(mapping: dict[int, int]) -> list[tuple[int, int]]:
    return sorted(
        {tuple(sorted((a, b))) for a, b in mapping.items() if mapping.get(b) == a and a != b}
    )


def validate(units: Sequence[Node], mapping: dict[int, int]) -> None:
    """Check an (adjusted) pairing; the message names what is wrong."""
    if len(units) < 2:
        raise ValidationError(
            _("A pairing needs at least two units; there are %(n)s.") % {"n": len(units)}
        )
    by_id = {u.pk: u for u in units}
    errors = []
    if set(mapping) != set(by_id):
        errors.append(_("Every unit must inspect exactly one other unit."))
    targets = list(mapping.values())
    if any(t not in by_id for t in targets):
        errors.append(_("A target is not one of the units being paired."))
    elif sorted(targets) != sorted(by_id):
        errors.append(_("Every unit must be inspected by exactly one unit."))
    for a, b in mapping.items():
        if a in by_id and b in by_id and related(by_id[a], by_id[b]):
            errors.append(
                _("%(a)s cannot inspect %(b)s: itself, its parent or its child.")
                % {"a": getattr(by_id[a], "name", a), "b": getattr(by_id[b], "name", b)}
            )
    if not errors and two_cycles(mapping) and _search(units, random.Random(0), avoid_pairs=True):
        a, b = two_cycles(mapping)[0]
        errors.append(
            _("%(a)s and %(b)s would inspect each other; a pairing without that exists.")
            % {"a": getattr(by_id[a], "name", a), "b": getattr(by_id[b], "name", b)}
        )
    if errors:
        raise ValidationError(errors)


def pairing_units(parent: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=parent).order_by("sort_order", "code"))


@transaction.atomic
def pairing_create(
    *, campaign: Campaign, parent: Unit, actor: User, seed: int | None = None
) -> CrossPairing:
    """A draft pairing among the children of `parent` (the city: its county bureaus; a county
    bureau: its stations)."""
    if parent.level not in (Unit.Level.CITY, Unit.Level.COUNTY):
        raise ValidationError(_("Pair the county bureaus of a city or the stations of a county."))
    seed = secrets.randbelow(2**53) if seed is None else seed
    units = pairing_units(parent)
    mapping = generate(units, random.Random(seed))
    pairing = CrossPairing.objects.create(
        campaign=campaign, parent=parent, seed=seed, created_by=actor
    )
    by_id = {u.pk: u for u in units}
    CrossInspection.objects.bulk_create(
        CrossInspection(
            pairing=pairing,
            campaign=campaign,
            inspector=by_id[a],
            inspector_path=by_id[a].path,
            target=by_id[b],
            unit_path=by_id[b].path,
        )
        for a, b in mapping.items()
    )
    return pairing


def current_mapping(pairing: CrossPairing) -> dict[int, int]:
    return dict(pairing.inspections.values_list("inspector_id", "target_id"))


@transaction.atomic
def pairing_adjust(*, pairing: CrossPairing, mapping: dict[int, int]) -> CrossPairing:
    """The office's adjusted pairing, checked like a generated one; only a draft changes."""
    pairing = CrossPairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.state != CrossPairing.State.DRAFT:
        raise ValidationError(_("A confirmed pairing cannot be changed."))
    units = pairing_units(pairing.parent)
    validate(units, mapping)
    by_id = {u.pk: u for u in units}
    for insp in pairing.inspections.all():
        target = by_id[mapping[insp.inspector_id]]
        if insp.target_id != target.pk:
            insp.target = target
            insp.unit_path = target.path
            insp.save(update_fields=["target", "unit_path", "updated_at"])
    return pairing


def _sample_ids(qs, n: int, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    return sorted(rng.sample(ids, min(n, len(ids))))


@transaction.atomic
def pairing_confirm(*, pairing: CrossPairing, actor: User) -> CrossPairing:
    """Confirm the pairing (checked once more) and open the inspections, each with a sample
    of its target's completed visits and findings drawn from the pairing's seed."""
    pairing = CrossPairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.state != CrossPairing.State.DRAFT:
        raise ValidationError(_("This pairing is already confirmed."))
    validate(pairing_units(pairing.parent), current_mapping(pairing))
    conf = settings_for(pairing.campaign)
    for insp in pairing.inspections.select_related("target"):
        rng = random.Random(f"{pairing.seed}:{insp.target_id}")
        insp.sample_visit_ids = _sample_ids(
            Visit.objects.in_subtree(insp.unit_path).filter(
                campaign=pairing.campaign, outcome=Outcome.VISITED
            ),
            conf.inspection_visit_sample,
            rng,
        )
        insp.sample_finding_ids = _sample_ids(
            Finding.objects.in_subtree(insp.unit_path).filter(campaign=pairing.campaign),
            conf.inspection_finding_sample,
            rng,
        )
        insp.state = CrossInspection.State.OPEN
        insp.save(update_fields=["sample_visit_ids", "sample_finding_ids", "state", "updated_at"])
    pairing.state = CrossPairing.State.CONFIRMED
    pairing.confirmed_by = actor
    pairing.confirmed_at = timezone.now()
    pairing.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    return pairing
