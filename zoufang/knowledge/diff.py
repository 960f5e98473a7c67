"""Two versions of an entry side by side: for each part, the text with what was removed in
<del> and what was added in <ins>, character by character (Chinese has no spaces to diff
words by). difflib's HtmlDiff makes whole-line tables, too wide for a phone; this marks
inside one flowing text."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass
class PartDiff:
    field: str
    label: str
    changed: bool
    html: SafeString
    saved: str  # the older text, whole


def inline_diff(old: str, new: str) -> SafeString:
    out = []
    for op, a0, a1, b0, b1 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape(old[a0:a1]))
            continue
        if a1 > a0:
            out.append(f"<del>{escape(old[a0:a1])}</del>")
        if b1 > b0:
            out.append(f"<ins>{escape(new[b0:b1])}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above # nosec B308 B703


def version_diff(old: Any, new: Any, fields: list[tuple[str, str]]) -> list[PartDiff]:
    """`fields`: (attribute, label); old may be None (the first version: all added)."""
    out = []
    for name, label in fields:
        before = getattr(old, name, "") if old is not None else ""
        after = getattr(new, name, "")
        out.append(PartDiff(name, label, before != after, inline_diff(before, after), before))
    return out
