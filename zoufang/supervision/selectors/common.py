"""Reads every supervision page starts from: the user's root unit, the chosen unit, and what
the campaign's phase puts first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from zoufang.campaigns.models import Campaign, Phase
from zoufang.core.scope import user_scope
from zoufang.org.models import Unit

if TYPE_CHECKING:
    from zoufang.org.models import User


def current_campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise Http404(_("There is no current campaign."))
    return campaign


def root_unit(user: User) -> Unit | None:
    """The city for campaign-wide roles, the anchor unit for a county or station."""
    scope = user_scope(user)
    if scope.everything:
        return Unit.objects.filter(level=Unit.Level.CITY).order_by("code").first()
    if scope.path is None:
        return None
    return user.unit


def unit_chain(user: User, unit: Unit) -> list[Unit]:
    """The unit and the units above it that the user may see (the breadcrumb)."""
    return [u for u in [*unit.ancestors(), unit] if user_scope(user).contains(u.path)]


# The pages of supervision, by what each phase puts first (the seed: deployment is checked
# first in 准备实施; the visiting phase is about verifying work; 重点深化 about the weakest).
PAGES = {
    "deployment": (_("Deployment"), "supervision:deployment", "bi-people"),
    "verification": (_("On-site verification"), "supervision:verification_list", "bi-telephone"),
    "inspections": (_("Cross-inspection"), "supervision:inspection_board", "bi-arrow-left-right"),
    "scores": (_("Scores and ranking"), "supervision:scores", "bi-bar-chart-line"),
    "lists": (_("Commendation and accountability"), "supervision:honour_lists", "bi-award"),
    "deepening": (_("Key deepening"), "supervision:deepening", "bi-bullseye"),
}
PHASE_ORDER = {
    Phase.Kind.PREPARATION: [
        "deployment",
        "inspections",
        "scores",
        "verification",
        "lists",
        "deepening",
    ],
    Phase.Kind.VISITING: [
        "verification",
        "scores",
        "inspections",
        "deployment",
        "lists",
        "deepening",
    ],
    Phase.Kind.DEEPENING: [
        "deepening",
        "scores",
        "lists",
        "verification",
        "inspections",
        "deployment",
    ],
}


def pages_for_phase(phase_kind: str | None) -> list[tuple[str, object, str, str]]:
    """(key, label, url name, icon) in the order the phase puts them. The dashboard may use it
    to choose its supervision panel: the first key is what matters now."""
    order = PHASE_ORDER.get(phase_kind or "", PHASE_ORDER[Phase.Kind.VISITING])
    return [(k, *PAGES[k]) for k in order]
