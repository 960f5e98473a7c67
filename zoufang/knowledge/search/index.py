# ruff: noqa: S608 - the only name put into SQL is the FTS_TABLE constant; values are parameters.
"""The pocket book's search index. An entry's title and body are segmented by jieba into the
`title_tokens` and `body_tokens` columns; the database indexes those (decision 0028):

- PostgreSQL: the generated column `search_vector` (title words weighted A) with a GIN index,
  built from the space-separated words by `array_to_tsvector` — no text-search parser, so it
  does not depend on the database's locale; created by migration 0002.
- SQLite: the FTS5 table `knowledge_entry_fts` (rowid = entry id), written here after every
  save (no triggers: Django rebuilds a SQLite table on some schema changes, which would drop
  them silently).

The vocabulary (Term: word, number of entries; TermKey: one-deletion keys) is kept here too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F

from zoufang.knowledge.models import ENTRY_PARTS, Entry, Term, TermKey
from zoufang.knowledge.search.segment import index_tokens
from zoufang.knowledge.search.typos import deletion_keys, keyed

FTS_TABLE = "knowledge_entry_fts"


def entry_token_text(entry: Entry) -> tuple[str, str]:
    """(title words, body words) of an entry, each space-separated; the body holds the chapter's
    name and every part, the legal basis included."""
    body = "\n".join([entry.chapter.name, *(getattr(entry, part) for part in ENTRY_PARTS)])
    return " ".join(index_tokens(entry.title)), " ".join(index_tokens(body))


def _words(title_tokens: str, body_tokens: str) -> set[str]:
    return set(title_tokens.split()) | set(body_tokens.split())


@transaction.atomic
def index_entries(entries: Iterable[Entry]) -> None:
    """Re-segment these entries (their text as saved) and bring the index and the vocabulary's
    counts in step: a word gains the entries that now use it and loses those that no longer do."""
    entries = list(entries)
    if not entries:
        return
    delta: Counter[str] = Counter()
    for entry in entries:
        before = _words(entry.title_tokens, entry.body_tokens)
        entry.title_tokens, entry.body_tokens = entry_token_text(entry)
        after = _words(entry.title_tokens, entry.body_tokens)
        delta.update(after - before)
        delta.subtract(before - after)
    Entry.objects.bulk_update(entries, ["title_tokens", "body_tokens"], batch_size=500)
    _fts_write(entries)
    _vocabulary_add(delta)


def _vocabulary_add(delta: Counter[str]) -> None:
    new = [word for word, n in delta.items() if n > 0]
    _terms_ensure(new)
    by_amount: dict[int, list[str]] = {}
    for word, n in delta.items():
        if n:
            by_amount.setdefault(n, []).append(word)
    for n, words in by_amount.items():
        for i in range(0, len(words), 500):
            Term.objects.filter(term__in=words[i : i + 500]).update(docs=F("docs") + n)


def _terms_ensure(words: list[str]) -> None:
    """Create the Term rows (with their keys) of the words not in the vocabulary yet."""
    for i in range(0, len(words), 1000):
        chunk = words[i : i + 1000]
        existing = set(Term.objects.filter(term__in=chunk).values_list("term", flat=True))
        missing = [w for w in chunk if w not in existing]
        Term.objects.bulk_create([Term(term=w) for w in missing], ignore_conflicts=True)
        ids = dict(
            Term.objects.filter(term__in=[w for w in missing if keyed(w)]).values_list("term", "id")
        )
        keys = [TermKey(key=k, term_id=tid) for w, tid in ids.items() for k in deletion_keys(w)]
        TermKey.objects.bulk_create(keys, ignore_conflicts=True, batch_size=2000)


def _fts_write(entries: list[Entry]) -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL's search_vector is a generated column
    with connection.cursor() as cur:
        cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(e.pk,) for e in entries])  # nosec B608 - identifiers from _meta or constants, values bound
        cur.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, title_tokens, body_tokens) VALUES (%s, %s, %s)",  # nosec B608 - identifiers from _meta or constants, values bound
            [(e.pk, e.title_tokens, e.body_tokens) for e in entries],
        )


@transaction.atomic
def reindex_all(batch: int = 500) -> int:
    """Re-segment every entry and recount the vocabulary from nothing (after a change to the
    synonyms, the user dictionary or jieba)."""
    counts: Counter[str] = Counter()
    total = 0
    qs = Entry.objects.select_related("chapter").order_by("pk")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {FTS_TABLE}")  # nosec B608 - identifiers from _meta or constants, values bound
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            break
        for entry in chunk:
            entry.title_tokens, entry.body_tokens = entry_token_text(entry)
            counts.update(_words(entry.title_tokens, entry.body_tokens))
        Entry.objects.bulk_update(chunk, ["title_tokens", "body_tokens"], batch_size=batch)
        if connection.vendor == "sqlite":
            _fts_insert(chunk)
        total += len(chunk)
        last = chunk[-1].pk
    Term.objects.all().delete()
    _terms_ensure(list(counts))
    terms = list(Term.objects.all())
    for term in terms:
        term.docs = counts.get(term.term, 0)
    Term.objects.bulk_update(terms, ["docs"], batch_size=2000)
    return total


def _fts_insert(entries: list[Entry]) -> None:
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, title_tokens, body_tokens) VALUES (%s, %s, %s)",  # nosec B608 - identifiers from _meta or constants, values bound
            [(e.pk, e.title_tokens, e.body_tokens) for e in entries],
        )
