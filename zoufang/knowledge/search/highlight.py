"""Marking the words a search found in the text shown (the same on both databases: the index
holds segmented words, so the database's own highlighter would mark the wrong text)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET = 90  # characters of context shown around the first word found


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def mark(text: str, terms: Iterable[str]) -> SafeString:
    """`text` escaped, each occurrence of a term (longest first) in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 - escaped just here # nosec B308 B703
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above # nosec B308 B703


def snippet(texts: Iterable[str], terms: Iterable[str]) -> SafeString:
    """The passage of the first text that holds a term, cut to SNIPPET characters around it."""
    terms = list(terms)
    pattern = _pattern(terms)
    texts = [t for t in texts if t]
    for text in texts:
        m = pattern.search(text) if pattern else None
        if m:
            start = max(0, m.start() - SNIPPET // 3)
            end = min(len(text), start + SNIPPET)
            piece = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
            return mark(piece, terms)
    first = texts[0] if texts else ""
    return mark(first[:SNIPPET] + ("…" if len(first) > SNIPPET else ""), terms)
