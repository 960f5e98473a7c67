from __future__ import annotations

import pytest

from zoufang.knowledge.models import Chapter, Entry
from zoufang.knowledge.services import entry_create, pocketbook_load


@pytest.fixture
def book(db):
    """The committed starter set, loaded and indexed as `pocketbook_load` does."""
    pocketbook_load()
    return {e.slug: e for e in Entry.objects.select_related("chapter")}


@pytest.fixture
def entry(db, office):
    chapter = Chapter.objects.create(slug="huji", name="户籍", order=1)
    return entry_create(
        chapter=chapter,
        slug="huji-test",
        data={
            "title": "身份证丢了怎么补办",
            "say": "先挂失，再到户籍窗口补领。",
            "do": "告诉群众补领流程。",
            "how": "带户口簿到派出所，现场照相。",
            "standard": "一次讲清。",
            "basis": "《中华人民共和国居民身份证法》第十一条。",
        },
        actor=office,
    )


def form_data(entry: Entry, **changes) -> dict:
    data = {
        "chapter": entry.chapter_id,
        "title": entry.title,
        "say": entry.say,
        "do": entry.do,
        "how": entry.how,
        "standard": entry.standard,
        "basis": entry.basis,
        "note": "",
        "base_version": entry.version,
    }
    return data | changes
