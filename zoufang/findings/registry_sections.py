"""What findings adds to the registry's address page (registered by `FindingsConfig.ready`,
through `registry.sections`): the findings raised at that address, those the user sees
(`visible_to`) and may read — a sensitive clue is not listed to who may not open it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zoufang.findings.access import readable_q
from zoufang.findings.models import Finding


def place_findings(user: Any, place: Any) -> QuerySet[Finding]:
    return (
        Finding.objects.visible_to(user)
        .filter(place=place)
        .filter(readable_q(user))
        .select_related("kind", "kind__parent", "owner_unit")
        .order_by("-created_at", "-pk")
    )


def register() -> None:
    from zoufang.registry import sections

    sections.register(
        "place",
        sections.Section(
            "findings", _("Findings"), "findings/_registry_findings.html", place_findings, order=30
        ),
    )
