"""Key deepening (重点深化): in the campaign's third phase, the stations with the weakest basics
and the most prominent hazards are proposed (`weakness.unit_figures`); the office confirms
each with a follow-up plan, a responsible leader and a supervisor; progress is recorded
until the target is lifted."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Phase
from zoufang.core.roles import Role
from zoufang.org.models import Unit
from zoufang.supervision.models import DeepeningProgress, DeepeningTarget
from zoufang.supervision.services.weakness import unit_figures

if TYPE_CHECKING:
    from zoufang.campaigns.models import Campaign
    from zoufang.org.models import User

MAX_PROPOSED = 10
ACTIVE = (DeepeningTarget.State.PROPOSED, DeepeningTarget.State.CONFIRMED)


def in_deepening_phase(campaign: Campaign) -> bool:
    phase = campaign.phase_on()
    return phase is not None and phase.kind == Phase.Kind.DEEPENING


@transaction.atomic
def deepening_propose(
    *, campaign: Campaign, actor: User, any_phase: bool = False
) -> list[DeepeningTarget]:
    """Propose the weakest stations not already targeted (at most MAX_PROPOSED)."""
    if not any_phase and not in_deepening_phase(campaign):
        raise ValidationError(_("Targets are proposed in the key-deepening phase."))
    taken = set(
        DeepeningTarget.objects.filter(campaign=campaign, state__in=ACTIVE).values_list(
            "unit_id", flat=True
        )
    )
    stations = list(Unit.objects.filter(level=Unit.Level.STATION).exclude(pk__in=taken))
    weak = [f for f in unit_figures(campaign, stations) if f.reasons]
    weak.sort(key=lambda f: (-f.weakness, f.unit.path))
    return [
        DeepeningTarget.objects.create(
            campaign=campaign,
            unit=f.unit,
            unit_path=f.unit.path,
            reasons=f.reasons,
            weakness=Decimal(str(f.weakness)),
        )
        for f in weak[:MAX_PROPOSED]
    ]


@transaction.atomic
def deepening_confirm(
    *, target: DeepeningTarget, actor: User, plan: str, leader: str, supervisor: User | None
) -> DeepeningTarget:
    if target.state != DeepeningTarget.State.PROPOSED:
        raise ValidationError(_("Only a proposed target can be confirmed."))
    errors = {}
    if not plan.strip():
        errors["plan"] = _("Write the follow-up plan.")
    if not leader.strip():
        errors["leader"] = _("Name the responsible leader.")
    if supervisor is None or supervisor.role != Role.SUPERVISOR:
        errors["supervisor"] = _("Choose a member of the supervision group.")
    if errors:
        raise ValidationError(errors)
    target.plan = plan.strip()
    target.leader = leader.strip()[:60]
    target.supervisor = supervisor
    target.state = DeepeningTarget.State.CONFIRMED
    target.save(update_fields=["plan", "leader", "supervisor", "state", "updated_at"])
    DeepeningProgress.objects.create(
        target=target, note=_("Confirmed: %(plan)s") % {"plan": target.plan}, actor=actor
    )
    return target


@transaction.atomic
def deepening_dismiss(*, target: DeepeningTarget, actor: User) -> DeepeningTarget:
    if target.state != DeepeningTarget.State.PROPOSED:
        raise ValidationError(_("Only a proposed target can be set aside."))
    target.state = DeepeningTarget.State.DISMISSED
    target.save(update_fields=["state", "updated_at"])
    return target


@transaction.atomic
def deepening_progress_add(
    *, target: DeepeningTarget, actor: User, note: str, lift: bool = False
) -> DeepeningProgress:
    if target.state != DeepeningTarget.State.CONFIRMED:
        raise ValidationError(_("Progress is recorded on a confirmed target."))
    if not note.strip():
        raise ValidationError(_("Write what was done."))
    entry = DeepeningProgress.objects.create(target=target, note=note.strip(), actor=actor)
    if lift:
        target.state = DeepeningTarget.State.LIFTED
        target.lifted_at = timezone.now()
        target.save(update_fields=["state", "lifted_at", "updated_at"])
    return entry
