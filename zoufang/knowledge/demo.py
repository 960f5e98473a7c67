"""The demo city's pocket book: the starter set, and one entry edited once by the office so
that its history shows a change."""

from __future__ import annotations

from typing import Any

from zoufang.knowledge.models import Entry
from zoufang.knowledge.services import EDITED_FIELDS, entry_save, pocketbook_load

EDITED = "fuwu-residence-permit"


def build(ctx: Any) -> None:
    """seed_demo's step (see zoufang.home.demo)."""
    result = pocketbook_load()
    entry = Entry.objects.select_related("chapter").filter(slug=EDITED, version=1).first()
    if entry is not None:
        data = {f: getattr(entry, f) for f in EDITED_FIELDS}
        data["how"] += "很多地方可以在网上预约或申领，办好后可以邮寄。"
        entry_save(
            entry=entry,
            data=data,
            base_version=entry.version,
            actor=None,
            note="补充网上办理",
        )
    ctx.say(f"pocket book: {result.chapters} chapters, {Entry.objects.count()} entries")
