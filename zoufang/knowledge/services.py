"""Pocket book writes: load the starter set, save an entry (a version row per save, refused
when someone else saved in between), keep the search columns in step."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.knowledge.models import ENTRY_PARTS, Chapter, Entry, EntryVersion
from zoufang.knowledge.search.index import index_entries

if TYPE_CHECKING:
    from zoufang.org.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"
# What a user edits: the title, the chapter and the parts (ENTRY_PARTS).
EDITED_FIELDS = ("title", *ENTRY_PARTS)


class EditConflict(Exception):
    """The entry was saved by someone else after the version this edit started from."""

    def __init__(self, current: Entry) -> None:
        self.current = current
        super().__init__(
            _(
                "%(who)s saved this entry (version %(version)s) after you opened it. Your text "
                "is kept below: compare it with the current version, then save again."
            )
            % {
                "who": current.updated_by.display_name if current.updated_by else _("Someone"),
                "version": current.version,
            }
        )


@dataclass
class LoadResult:
    chapters: int
    created: int
    kept: int


def read_starter_set(data_dir: Path = DATA_DIR) -> tuple[list[dict], list[dict]]:
    """The chapters and entries of the committed starter set (data/*.toml), as dicts."""
    with (data_dir / "chapters.toml").open("rb") as f:
        chapters = tomllib.load(f)["chapter"]
    entries: list[dict] = []
    for path in sorted((data_dir / "entries").glob("*.toml")):
        with path.open("rb") as f:
            doc = tomllib.load(f)
        for order, item in enumerate(doc["entry"], start=1):
            entries.append({"chapter": doc["chapter"], "order": order, **item})
    return chapters, entries


@transaction.atomic
def pocketbook_load(*, data_dir: Path = DATA_DIR, actor: User | None = None) -> LoadResult:
    """Create the chapters and the entries of the starter set that are not there yet. Safe to
    re-run: an entry that exists (by its slug) is left as the office last saved it."""
    chapters, entries = read_starter_set(data_dir)
    by_slug: dict[str, Chapter] = {}
    for order, item in enumerate(chapters, start=1):
        chapter, _created = Chapter.objects.update_or_create(
            slug=item["slug"],
            defaults={"name": item["name"], "order": order, "summary": item.get("summary", "")},
        )
        by_slug[chapter.slug] = chapter
    existing = set(Entry.objects.values_list("slug", flat=True))
    created = 0
    for item in entries:
        if item["slug"] in existing:
            continue
        entry_create(
            chapter=by_slug[item["chapter"]],
            slug=item["slug"],
            order=item["order"],
            data={field: item[field].strip() for field in EDITED_FIELDS},
            actor=actor,
            note=_("Starter set"),
        )
        created += 1
    return LoadResult(chapters=len(by_slug), created=created, kept=len(entries) - created)


def _version_row(entry: Entry, actor: User | None, note: str) -> EntryVersion:
    return EntryVersion.objects.create(
        entry=entry,
        version=entry.version,
        chapter_name=entry.chapter.name,
        saved_by=actor,
        note=note[:200],
        **{field: getattr(entry, field) for field in EDITED_FIELDS},
    )


@transaction.atomic
def entry_create(
    *,
    chapter: Chapter,
    slug: str,
    data: dict[str, Any],
    actor: User | None,
    order: int | None = None,
    note: str = "",
) -> Entry:
    if order is None:
        last = chapter.entries.order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 1
    entry = Entry(chapter=chapter, slug=slug, order=order, updated_by=actor, version=1)
    for field in EDITED_FIELDS:
        setattr(entry, field, data[field])
    entry.full_clean(exclude=["updated_by"])
    entry.save()
    _version_row(entry, actor, note)
    index_entries([entry])
    return entry


@transaction.atomic
def entry_save(
    *,
    entry: Entry,
    data: dict[str, Any],
    base_version: int,
    actor: User | None,
    chapter: Chapter | None = None,
    note: str = "",
) -> Entry:
    """Save an edit made from `base_version`. Raises EditConflict (and writes nothing) when
    the entry has been saved since; the check and the bump are one UPDATE, so two saves from
    the same version cannot both pass."""
    changes: dict[str, Any] = {field: data[field] for field in EDITED_FIELDS}
    if chapter is not None:
        changes["chapter"] = chapter
    updated = Entry.objects.filter(pk=entry.pk, version=base_version).update(
        version=F("version") + 1, updated_by=actor, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise EditConflict(Entry.objects.select_related("updated_by", "chapter").get(pk=entry.pk))
    entry = Entry.objects.select_related("chapter").get(pk=entry.pk)
    _version_row(entry, actor, note)
    index_entries([entry])
    return entry
