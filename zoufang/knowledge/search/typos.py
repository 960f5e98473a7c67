"""One-character typos (居往证 for 居住证, 罂栗 for 罂粟): a word of the index is stored with its
one-deletion keys (the word, and the word less each one of its characters); a query word within
one edit of an index word shares a key with it (SymSpell's deletion neighbourhood, at distance
one). The symspellpy library does the same over a word-frequency file held in memory; here the
vocabulary is the index's own, kept in the database by every save, so the keys live in a table
and one indexed query finds every candidate of every window of a query."""

from __future__ import annotations

MIN_LEN = 2  # a one-character word has no typo worth correcting
MAX_LEN = 12  # longer words are found through their parts


def deletion_keys(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (a substitution, an insertion or a deletion)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def keyed(word: str) -> bool:
    return MIN_LEN <= len(word) <= MAX_LEN
