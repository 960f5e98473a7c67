"""pocketbook_search: the pocket book's Chinese search over ENTRIES entries (10,000 by default,
POCKETBOOK_BENCH_ENTRIES), as a ratio to a plain `icontains` scan of the same entries in the
same run (goal ≤ 0.2), with the recall@10 of both on the labelled queries
(zoufang/knowledge/data/labelled_queries.toml, committed before the index was built; goal:
ours ≥ 0.9 and above icontains).

The entries: the starter set (82) and generated ones up to ENTRIES. A generated entry has a
Faker zh_CN title and parts of Faker zh_CN filler, each part carrying one sentence taken from
a random starter entry (so the police words the queries ask for occur all over the book, not
only in the entries expected). Time: for each labelled query, the words' analysis and the
ranked query (ours) or the `icontains` query over the title and the parts (theirs), both
returning the first ten ids; summed over the queries, median of 5 runs."""

from __future__ import annotations

import os
import random
import re
import tomllib

from django.db import connection
from django.db.models import Q

from bench.common import Bench, Figure

ENTRIES = int(os.environ.get("POCKETBOOK_BENCH_ENTRIES", "10000"))
SEED = 15


def _build() -> None:
    from faker import Faker

    from zoufang.knowledge.models import ENTRY_PARTS, Chapter, Entry
    from zoufang.knowledge.search.index import reindex_all
    from zoufang.knowledge.services import pocketbook_load

    pocketbook_load()
    starters = list(Entry.objects.all())
    chapters = list(Chapter.objects.all())
    sentences = [
        s
        for e in starters
        for p in ENTRY_PARTS
        for s in re.split(r"(?<=[。；！？])", getattr(e, p))
        if len(s) > 6
    ]
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    rnd = random.Random(SEED)
    rows = []
    for n in range(ENTRIES - len(starters)):
        parts = {
            p: fake.paragraph(nb_sentences=3) + rnd.choice(sentences) + fake.sentence()
            for p in ENTRY_PARTS
        }
        rows.append(
            Entry(
                chapter=rnd.choice(chapters),
                slug=f"bench-{n}",
                order=1000 + n,
                title=fake.sentence(nb_words=4).rstrip("。"),
                **parts,
            )
        )
    Entry.objects.bulk_create(rows, batch_size=1000)
    reindex_all()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _icontains_ids(q: str) -> list[int]:
    from zoufang.knowledge.models import ENTRY_PARTS, Entry

    cond = Q(title__icontains=q)
    for p in ENTRY_PARTS:
        cond |= Q(**{f"{p}__icontains": q})
    return list(Entry.objects.filter(cond).order_by("pk").values_list("pk", flat=True)[:10])


def _ours_ids(q: str) -> list[int]:
    from zoufang.knowledge.search.query import analyse, ranked_ids

    return [pk for pk, _score in ranked_ids(analyse(q), 10)]


def _recall(find, queries, slugs) -> float:  # type: ignore[no-untyped-def]
    total = 0.0
    for q in queries:
        got = {slugs[pk] for pk in find(q["q"])}
        total += sum(s in got for s in q["expect"]) / len(q["expect"])
    return total / len(queries)


def pocketbook_search(bench: Bench) -> Figure:
    from zoufang.knowledge.models import Entry
    from zoufang.knowledge.services import DATA_DIR

    if Entry.objects.count() != ENTRIES:
        Entry.objects.all().delete()
        _build()
    with (DATA_DIR / "labelled_queries.toml").open("rb") as f:
        queries = tomllib.load(f)["query"]
    slugs = dict(Entry.objects.values_list("pk", "slug"))
    _ours_ids("暖机")  # the tokenizer's dictionary loads once per process

    ours = bench.median_seconds(lambda: [_ours_ids(q["q"]) for q in queries], repeat=5, warmup=1)
    theirs = bench.median_seconds(
        lambda: [_icontains_ids(q["q"]) for q in queries], repeat=5, warmup=1
    )
    recall_ours = _recall(_ours_ids, queries, slugs)
    recall_theirs = _recall(_icontains_ids, queries, slugs)
    by_kind = {}
    for kind in sorted({q["kind"] for q in queries}):
        subset = [q for q in queries if q["kind"] == kind]
        by_kind[f"recall@10 {kind} (ours / icontains)"] = (
            f"{_recall(_ours_ids, subset, slugs):.2f} / {_recall(_icontains_ids, subset, slugs):.2f}"
        )
    return Figure(
        ratio=ours / theirs,
        value=ours / len(queries) * 1000,
        unit="ms/query",
        baseline=f"icontains scan {theirs / len(queries) * 1000:.1f} ms/query",
        goal="≤ 0.2; recall@10 ≥ 0.9 and above icontains",
        extra={
            "entries": Entry.objects.count(),
            "queries": len(queries),
            "recall@10 ours": round(recall_ours, 3),
            "recall@10 icontains": round(recall_theirs, 3),
            **by_kind,
        },
    )


FIGURES = {"pocketbook_search": pocketbook_search}
