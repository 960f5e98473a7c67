"""On-site verification (实地核查): a stratified random sample of completed visits.

Strata are the police stations (a visit's beat path cut at the station level). Each stratum
gets max(minimum, ⌈percent × its completed visits⌉) visits. The draw is reproducible: the
population is "completed visits of the campaign with id ≤ population_max_id", listed in id
order per stratum, and `random.Random(seed)` picks from it — the same seed over the same
population gives the same sample (`sample_redraw`), so an auditor can check a draw.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from zoufang.core.roles import Role
from zoufang.org.models import Unit, User
from zoufang.supervision.access import verifies_own_unit
from zoufang.supervision.models import VerificationSample, VerificationTask
from zoufang.visits.models import Outcome, Visit

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign

STATION_DEPTH = 3  # city/county/station/ : the first three path segments


def stratum_of(path: str) -> str:
    """The station's path of a beat path ("411000/411002/411002001/411002001001/" → the first
    three segments)."""
    parts = [p for p in path.split("/") if p][:STATION_DEPTH]
    return "/".join(parts) + "/"


def stratum_size(population: int, percent: Decimal, minimum: int) -> int:
    return max(minimum, math.ceil(population * percent / 100))


@dataclass
class Draw:
    visit_ids: list[int]
    population: int
    short: dict[str, tuple[int, int]]  # stratum path -> (wanted, available), when short


def _population(campaign: Campaign, max_id: int) -> dict[str, list[tuple[int, str]]]:
    strata: dict[str, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        Visit.objects.filter(campaign=campaign, outcome=Outcome.VISITED, pk__lte=max_id)
        .order_by("pk")
        .values_list("pk", "unit_path")
    )
    for pk, path in rows.iterator(chunk_size=5000):
        strata[stratum_of(path)].append((pk, path))
    return strata


def draw(
    campaign: Campaign,
    *,
    seed: int,
    percent: Decimal,
    minimum: int,
    max_id: int,
    take_all_when_short: bool,
) -> Draw:
    """The sample for these parameters (pure: no row written)."""
    rng = random.Random(seed)
    strata = _population(campaign, max_id)
    chosen: list[int] = []
    short: dict[str, tuple[int, int]] = {}
    total = 0
    for path in sorted(strata):
        members = strata[path]
        total += len(members)
        wanted = stratum_size(len(members), percent, minimum)
        if wanted > len(members):
            short[path] = (wanted, len(members))
            wanted = len(members)
        chosen.extend(pk for pk, _path in rng.sample(members, wanted))
    if short and not take_all_when_short:
        raise ValidationError(_short_message(short))
    return Draw(visit_ids=sorted(chosen), population=total, short=short)


def _short_message(short: dict[str, tuple[int, int]]) -> str:
    codes = {p: p.rstrip("/").rsplit("/", 1)[-1] for p in short}
    names = dict(Unit.objects.filter(code__in=codes.values()).values_list("code", "name"))
    parts = [
        _("%(unit)s: %(wanted)s wanted, %(available)s completed visits")
        % {"unit": names.get(codes[p], codes[p]), "wanted": w, "available": a}
        for p, (w, a) in sorted(short.items())
    ]
    return _(
        "The sample is larger than its population in %(count)s station(s) — %(list)s. "
        "Lower the minimum per station, or tick “take every visit of a smaller station”."
    ) % {"count": len(short), "list": "; ".join(parts)}


def supervisors() -> list[User]:
    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True)
        .select_related("unit", "personnel__unit")
        .order_by("pk")
    )


def _assign(tasks: list[VerificationTask], people: list[User]) -> None:
    """Round-robin over the supervisors, skipping any who would verify their own unit; a task
    nobody may take stays unassigned (any eligible supervisor may then take it)."""
    if not people:
        return
    turn = 0
    for task in tasks:
        for step in range(len(people)):
            candidate = people[(turn + step) % len(people)]
            if not verifies_own_unit(candidate, task.unit_path):
                task.supervisor = candidate
                turn = (turn + step + 1) % len(people)
                break


@transaction.atomic
def sample_create(
    *,
    campaign: Campaign,
    actor: User,
    percent: Decimal,
    minimum: int,
    take_all_when_short: bool = False,
    seed: int | None = None,
) -> VerificationSample:
    """Draw a sample and make a verification task of each visit in it."""
    if seed is None:
        seed = secrets.randbelow(2**53)
    max_id = (
        Visit.objects.filter(campaign=campaign, outcome=Outcome.VISITED).aggregate(m=Max("pk"))["m"]
        or 0
    )
    if not max_id:
        raise ValidationError(_("There are no completed visits to sample yet."))
    result = draw(
        campaign,
        seed=seed,
        percent=percent,
        minimum=minimum,
        max_id=max_id,
        take_all_when_short=take_all_when_short,
    )
    sample = VerificationSample.objects.create(
        campaign=campaign,
        seed=seed,
        percent=percent,
        min_per_unit=minimum,
        take_all_when_short=take_all_when_short,
        population_max_id=max_id,
        population=result.population,
        size=len(result.visit_ids),
        created_by=actor,
    )
    visits = Visit.objects.filter(pk__in=result.visit_ids).only("pk", "beat_id", "unit_path")
    tasks = [
        VerificationTask(
            sample=sample,
            campaign=campaign,
            visit_id=v.pk,
            beat_id=v.beat_id,
            unit_path=v.unit_path,
        )
        for v in visits.order_by("unit_path", "pk")
    ]
    _assign(tasks, supervisors())
    VerificationTask.objects.bulk_create(tasks, batch_size=1000)
    return sample


def sample_redraw(sample: VerificationSample) -> list[int]:
    """The visit ids the sample's recorded seed and rule give (for an audit of the draw)."""
    return draw(
        sample.campaign,
        seed=sample.seed,
        percent=sample.percent,
        minimum=sample.min_per_unit,
        max_id=sample.population_max_id,
        take_all_when_short=True,
    ).visit_ids
