"""The user guide (操作手册): Markdown under docs/manual/, one guide per role, served inside
the app behind the 帮助 link on every page. The guides' screenshots are taken by the browser
tests (zoufang/home/tests/test_manual.py) and refreshed with `make manual`.

Markdown is rendered with markdown-it-py (CommonMark, raw HTML off), so a guide can hold
nothing but text, links and pictures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from markdown_it import MarkdownIt

from zoufang.core.roles import Role

MANUAL_DIR = Path(settings.BASE_DIR) / "docs" / "manual"
IMAGE_DIR = MANUAL_DIR / "img"
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str  # as the guide's first heading says it (Chinese: the guides are in Chinese)
    roles: frozenset[str]


GUIDES = [
    Guide(
        "officer", "社区民警、辅警（手机）", frozenset({Role.COMMUNITY_OFFICER, Role.TEAM_MEMBER})
    ),
    Guide("chief", "派出所所长", frozenset({Role.STATION_CHIEF})),
    Guide("county", "县级公安局管理员", frozenset({Role.COUNTY_ADMIN})),
    Guide("office", "专项办（工作专班）", frozenset({Role.OFFICE, Role.WORKING_TEAM})),
    Guide("supervisor", "督导组", frozenset({Role.SUPERVISOR})),
    Guide(
        "leader",
        "领导小组",
        frozenset({Role.LEADER, Role.DEPUTY_LEADER, Role.LEADERSHIP_MEMBER}),
    ),
    Guide("researcher", "警种部门调研人员", frozenset({Role.RESEARCHER})),
]
BY_SLUG = {g.slug: g for g in GUIDES}


def guide_for_role(role: str | None) -> Guide | None:
    return next((g for g in GUIDES if role in g.roles), None)


_md = MarkdownIt("commonmark", {"html": False, "linkify": False})


def _image_src(src: str) -> str:
    """A guide's `img/name.png` is served by the help page's image view."""
    if src.startswith("img/"):
        return "/help/img/" + src.removeprefix("img/")
    return src


@cache
def _render(slug: str, mtime: float) -> str:
    tokens = _md.parse((MANUAL_DIR / f"{slug}.md").read_text(encoding="utf-8"))
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                child.attrSet("src", _image_src(child.attrGet("src") or ""))
                child.attrSet("loading", "lazy")
                child.attrSet("class", "img-fluid border rounded manual-shot")
    return _md.renderer.render(tokens, _md.options, {})


def render(slug: str) -> str:
    """The guide as HTML (safe: raw HTML in the Markdown is escaped). Re-read when the file
    changes, so `make manual` shows at once."""
    path = MANUAL_DIR / f"{slug}.md"
    return _render(slug, path.stat().st_mtime)


def image_path(name: str) -> Path | None:
    """The screenshot file for a name from a guide, or None for anything else (no paths)."""
    if not IMAGE_NAME.match(name):
        return None
    path = IMAGE_DIR / name
    return path if path.is_file() else None
