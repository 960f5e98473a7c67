# ruff: noqa: S608 - the SQL is built from constants and placeholders; every word is a parameter.
"""A query in Chinese, answered from the index. The query is segmented (jieba, precise mode);
each word that carries meaning becomes a group of words that count as the same — the word, its
synonyms (data/synonyms.txt), and, for a word the index does not hold, its parts; a run of
words that is not in the index but is one edit away from an index word (a typo) adds a group
of the corrections. An entry scores, for every group it matches, the group's weight (rarer
words weigh more: log(1 + entries / (1 + entries using it))), doubled when the title has it.
PostgreSQL finds and scores the entries so (`_sql_postgresql`); SQLite ranks them with FTS5's
bm25 over the same words (`_sql_sqlite`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max

from zoufang.knowledge.models import Entry, Term, TermKey
from zoufang.knowledge.search.index import FTS_TABLE
from zoufang.knowledge.search.segment import (
    STOP_WORDS,
    normalize,
    parts,
    query_tokens,
    synonym_map,
)
from zoufang.knowledge.search.typos import deletion_keys, keyed, within_one_edit

MAX_QUERY_CHARS = 60
MAX_WINDOW_TOKENS = 4
TITLE_BONUS = 2.0  # a group found in the title counts this much more than in the body
TYPO_FACTOR = 0.8  # a corrected word weighs a little less than one typed right
SINGLE_CHAR_FACTOR = 0.5  # a lone character (车, 证) says little on its own
MAX_CORRECTIONS = 2  # per window, the most used words one edit away


@dataclass(frozen=True)
class Group:
    word: str
    terms: frozenset[str]
    weight: float
    corrected_from: str = ""


@dataclass
class Analysis:
    query: str
    groups: list[Group] = field(default_factory=list)

    @property
    def corrections(self) -> dict[str, str]:
        return {g.corrected_from: g.word for g in self.groups if g.corrected_from}

    @property
    def highlight_terms(self) -> set[str]:
        terms = {t for g in self.groups for t in g.terms if len(t) > 1}
        return terms or {t for g in self.groups for t in g.terms}


def _weight(docs: int, total: int) -> float:
    return math.log(1 + total / (1 + docs))


def analyse(query: str) -> Analysis:
    """The groups of a query (no group for an empty query or one of stop words only)."""
    text = normalize(query)[:MAX_QUERY_CHARS]
    tokens = query_tokens(text)
    analysis = Analysis(query=text)
    if not tokens:
        return analysis
    synonyms = synonym_map()
    candidates = set(tokens) | {s for t in tokens for s in synonyms.get(t, ())}
    part_map = {t: parts(t) for t in tokens}
    candidates |= {p for ps in part_map.values() for p in ps}
    docs = dict(Term.objects.filter(term__in=candidates).values_list("term", "docs"))
    # The highest id stands in for the number of entries (entries are not deleted): an index
    # read, where count(*) scans the table (64 ms over 10,000 entries on PostgreSQL).
    total = Entry.objects.aggregate(n=Max("pk"))["n"] or 0
    seen: set[frozenset[str]] = set()
    for token in tokens:
        if token in STOP_WORDS:
            continue
        terms = {token} | set(synonyms.get(token, ()))
        if not any(docs.get(t) for t in terms):
            terms |= set(part_map[token])
        terms_f = frozenset(terms)
        if terms_f in seen:
            continue
        seen.add(terms_f)
        most = max((docs.get(t, 0) for t in terms), default=0)
        if not most:
            continue  # no entry has any of these words: nothing to find, nothing to mark
        weight = _weight(most, total)
        if len(token) == 1:
            weight *= SINGLE_CHAR_FACTOR
        analysis.groups.append(Group(word=token, terms=terms_f, weight=weight))
    analysis.groups += _typo_groups(tokens, docs, total, seen)
    return analysis


def _windows(tokens: list[str], docs: dict[str, int]) -> list[tuple[str, set[int]]]:
    """Runs of query words that may hide a typo: not an index word themselves, and holding a
    word the index does not know (or, for three characters and more, a lone character)."""
    synonyms = synonym_map()
    unknown = [not docs.get(t) and t not in synonyms for t in tokens]
    out: list[tuple[str, set[int]]] = []
    texts: set[str] = set()
    for i in range(len(tokens)):
        for j in range(i + 1, min(len(tokens), i + MAX_WINDOW_TOKENS) + 1):
            span = tokens[i:j]
            text = "".join(span)
            if not keyed(text) or docs.get(text) or all(t in STOP_WORDS for t in span):
                continue
            odd = any(unknown[i:j]) or (
                len(text) >= 3 and any(len(t) == 1 and t not in STOP_WORDS for t in span)
            )
            if odd and text not in texts:
                texts.add(text)
                out.append((text, set(range(i, j))))
    return out


def _typo_groups(
    tokens: list[str], docs: dict[str, int], total: int, seen: set[frozenset[str]]
) -> list[Group]:
    windows = _windows(tokens, docs)
    if not windows:
        return []
    keys = {k for w, _span in windows for k in deletion_keys(w)}
    rows = (
        TermKey.objects.filter(key__in=keys, term__docs__gt=0)
        .values_list("term__term", "term__docs")
        .distinct()
    )
    found = dict(rows)
    synonyms = synonym_map()
    groups: list[Group] = []
    covered: set[int] = set()
    # Longest window first: once 快处快陪 is read as 快处快赔, its piece 快处 is not also
    # "corrected" to some other word.
    for window, span in sorted(windows, key=lambda ws: -len(ws[0])):
        if span <= covered:
            continue
        near = [
            (len(w) != len(window), -n, w)
            for w, n in found.items()
            if w != window and w not in STOP_WORDS and within_one_edit(window, w)
        ]
        picks = [w for _l, _n, w in sorted(near)[:MAX_CORRECTIONS]]
        if not picks:
            continue
        covered |= span
        terms = frozenset(set(picks) | {s for p in picks for s in synonyms.get(p, ())})
        if terms in seen:
            continue
        seen.add(terms)
        weight = _weight(max(found[p] for p in picks), total) * TYPO_FACTOR
        groups.append(Group(word=picks[0], terms=terms, weight=weight, corrected_from=window))
    return groups


def ranked_ids(analysis: Analysis, limit: int) -> list[tuple[int, float]]:
    """(entry id, score), best first, ties by id."""
    if not analysis.groups:
        return []
    if connection.vendor == "postgresql":
        sql, params = _sql_postgresql(analysis.groups, limit)
    else:
        sql, params = _sql_sqlite(analysis.groups, limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [(row[0], float(row[1])) for row in cur.fetchall()]


def _tsquery(terms: frozenset[str]) -> str:
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in sorted(terms))


def _sql_postgresql(groups: list[Group], limit: int) -> tuple[str, list]:
    """Each group's entries from the GIN indexes (all words; title words), summed per entry.
    The groups come as two arrays (their tsqueries, their weights) joined laterally to the
    index scans, so the statement's text is the same for every query and the planner, which
    cannot see a parameter's tsquery, always takes the bitmap index scan: with the queries
    written into the SQL it chose a sequential scan for a common word, evaluating `@@` on every
    row's compressed vector (90 ms over 10,000 entries; the bitmap scan reads no vector, 2 ms).
    One tsquery of all groups OR'd, scored row by row, read every candidate's vector and was
    slower still (docs/benchmarks.md)."""
    queries = [_tsquery(g.terms) for g in groups]
    weights = [g.weight for g in groups]
    sql = (
        "SELECT id, sum(w) AS score FROM ("
        " SELECT e.id, g.w FROM unnest(%s::tsquery[], %s::float8[]) AS g(q, w)"
        " CROSS JOIN LATERAL (SELECT id FROM knowledge_entry WHERE search_vector @@ g.q) e"
        " UNION ALL"
        " SELECT e.id, g.w * %s FROM unnest(%s::tsquery[], %s::float8[]) AS g(q, w)"
        " CROSS JOIN LATERAL (SELECT id FROM knowledge_entry WHERE title_vector @@ g.q) e"
        ") hits GROUP BY id ORDER BY score DESC, id LIMIT %s"
    )
    return sql, [queries, weights, TITLE_BONUS, queries, weights, limit]


def _fts(terms: frozenset[str], column: str = "") -> str:
    ors = " OR ".join('"' + t.replace('"', '""') + '"' for t in sorted(terms))
    return f"{column} : ({ors})" if column else ors


def _sql_sqlite(groups: list[Group], limit: int) -> tuple[str, list]:
    """FTS5's own bm25 over every word of every group (title words count TITLE_BONUS times):
    measured four times faster than scoring group by group with sub-selects, at the same
    recall on the labelled queries (docs/benchmarks.md); bm25 weighs rare words itself."""
    everything = frozenset(t for g in groups for t in g.terms)
    sql = (
        f"SELECT rowid, -bm25({FTS_TABLE}, %s, 1.0) AS score FROM {FTS_TABLE} "  # nosec B608 - identifiers from _meta or constants, values bound
        f"WHERE {FTS_TABLE} MATCH %s ORDER BY score DESC, rowid LIMIT %s"
    )
    return sql, [TITLE_BONUS, _fts(everything), limit]
