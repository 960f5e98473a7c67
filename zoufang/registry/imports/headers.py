"""A header as people write it matched to a column by the words it contains: `户主身份证号码`,
`身份证号(户主)` and `公民身份号码` are all the ID number. Spaces, punctuation, full-width forms
and the order of the words do not matter; the column whose word is the longest one found in
the header wins (`房东电话` is the landlord's phone, not the phone; `与户主关系` the relation,
not the householder). A header that matches no column is kept as an extra field (the kinds
that keep them) or reported as ignored — never dropped without a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from zoufang.registry import normalize as norm

if TYPE_CHECKING:
    from zoufang.registry.imports.specs import Column

EXTRA = "extra:"  # mapping key prefix of a column kept as an extra field

_PUNCT = re.compile(r"[\W_]+")

# Columns a roster carries that the registry derives (from the ID number) or that number the
# rows: reported as ignored, not kept.
IGNORED_WORDS = ("序号", "编号", "性别", "出生日期", "出生年月", "年龄", "行号")


def header_text(value: object) -> str:
    """A header cell compacted: full-width folded, no spaces or punctuation, lower case."""
    return _PUNCT.sub("", norm.clean_text(value)).lower()


@dataclass
class HeaderMatch:
    mapping: dict[int, str] = field(default_factory=dict)  # column index -> key
    recognised: list[tuple[str, str]] = field(default_factory=list)  # (header, template label)
    extra: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def report(self) -> dict[str, list]:
        return {
            "recognised": [list(p) for p in self.recognised],
            "extra": self.extra,
            "ignored": self.ignored,
        }


@lru_cache(maxsize=64)
def _words(columns: tuple[Column, ...]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Exact spellings (label, key, synonyms) and the words, longest first."""
    exact: dict[str, str] = {}
    words: dict[str, str] = {}
    for col in columns:
        for name in (col.label, col.key, *col.synonyms):
            exact.setdefault(header_text(name), col.key)
        for word in col.words:
            words.setdefault(header_text(word), col.key)
    return exact, sorted(words.items(), key=lambda kv: -len(kv[0]))


def column_for(header: object, columns: tuple[Column, ...]) -> str | None:
    """The key of the column a header names, or None."""
    text = header_text(header)
    if not text:
        return None
    exact, words = _words(columns)
    if text in exact:
        return exact[text]
    for word, key in words:
        if word in text:
            return key
    return None


def match_header(
    cells: Sequence[object], columns: tuple[Column, ...], *, extras: bool
) -> HeaderMatch:
    """Each header cell to a column (the first cell naming a column takes it), an extra
    field (`extra:<header>`, when the kind keeps extras) or ignored."""
    found = HeaderMatch()
    labels = {c.key: c.label for c in columns}
    for index, cell in enumerate(cells):
        shown = norm.clean_text(cell)
        if not shown:
            continue
        key = column_for(cell, columns)
        if key and key not in found.mapping.values():
            found.mapping[index] = key
            found.recognised.append((shown, labels[key]))
        elif extras and not key and not any(w in header_text(cell) for w in IGNORED_WORDS):
            found.mapping[index] = EXTRA + shown[:30]
            found.extra.append(shown)
        else:
            found.ignored.append(shown)
    return found
