"""Copied work: near-duplicate free text and the same photo on several visits. Each run adds the
new visits' texts and photos to the similarity index (`SimilarityBand`) and looks up only
their bands: candidates come from equal bands, never from comparing all pairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from zoufang.campaigns.models import VisitForm
from zoufang.patrol import similarity as sim
from zoufang.patrol.models import PhotoHash, RuleKind, SimilarityBand, SubjectKind, TextSignature
from zoufang.patrol.rules.base import Hit, Param, RuleType, Window
from zoufang.patrol.sql import analyze, bulk_insert
from zoufang.patrol.sql import hamming as sql_hamming
from zoufang.visits.models import Outcome, Visit, VisitPhoto

STOCK_ANSWERS = [
    "无", "没有", "正常", "无问题", "没有问题", "暂无", "无异常", "良好", "未发现", "未发现问题",
    "无意见", "没有意见", "无建议", "没有建议", "满意", "一切正常", "不存在", "无隐患",
    "无矛盾纠纷", "无线索", "否", "好", "无此情况", "情况正常",
]  # fmt: skip
CHUNK = 500


def free_text_codes(campaign_id: int) -> list[str]:
    """The campaign's free-text questions (type textarea): the answers people write."""
    codes: set[str] = set()
    for schema in VisitForm.objects.filter(campaign_id=campaign_id).values_list(
        "schema", flat=True
    ):
        for section in (schema or {}).get("sections", []):
            for q in section.get("questions", []):
                if q.get("type") == "textarea":
                    codes.add(q["code"])
    return sorted(codes)


class TextCopy(RuleType):
    kind = RuleKind.TEXT_COPY
    summary = _("Free text %(percent)s%% the same as on another visit's form")
    params = {
        "similarity": Param(_("Similarity that counts (0.5–1)"), 0.7, 0.5, 1.0, float),
        "min_length": Param(_("Shortest text that is evidence (characters)"), 15, 4, 500),
        "min_entropy": Param(
            _("Least variety of characters (bits per character)"), 2.5, 0.0, 8.0, float
        ),
        "stock_answers": Param(_("Stock answers that are not evidence"), STOCK_ANSWERS, kind=list),
    }

    def text_of(self, answers: dict[str, Any], note: str, codes: list[str]) -> str:
        """The visit's own words, stock answers dropped; '' when too short or too uniform."""
        stock = self.__dict__.get("_stock")
        if stock is None:
            stock = self._stock = {sim.normalize(w) for w in self.p["stock_answers"]}
        parts = [answers.get(c) for c in codes] + [note]
        kept = [t for v in parts if isinstance(v, str) and (t := sim.normalize(v)) not in stock]
        text = "".join(kept)
        if len(text) < self.p["min_length"] or sim.entropy(text) < self.p["min_entropy"]:
            return ""
        return text

    def run(self, window: Window) -> Iterator[Hit]:
        codes = free_text_codes(self.campaign.pk)
        rows = (
            Visit.objects.filter(
                campaign_id=self.campaign.pk,
                pk__gt=window.since,
                pk__lte=window.upto,
                outcome=Outcome.VISITED,
            )
            .filter(Q(answers__has_any_keys=codes) | ~Q(note="") if codes else ~Q(note=""))
            .order_by()
            .values_list("pk", "task_id", "answers", "note")
        )
        signatures: list[tuple] = []
        bands: list[tuple] = []
        added = 0
        for pk, task_id, answers, note in rows.iterator(chunk_size=5000):
            text = self.text_of(answers or {}, note or "", codes)
            if not text:
                continue
            signatures.append((pk, self.campaign.pk, task_id, len(text)))
            for band, value in enumerate(sim.text_bands(text)):
                bands.append((SimilarityBand.Kind.TEXT.value, self.campaign.pk, band, value, pk))
            if len(signatures) >= WRITE_EVERY:
                added += _write_texts(signatures, bands)
                signatures, bands = [], []
        added += _write_texts(signatures, bands)
        if not added:
            return
        analyze(SimilarityBand._meta.db_table, added)
        pairs = band_pairs(SimilarityBand.Kind.TEXT, self.campaign.pk, window.since, window.upto)
        yield from self._verify(pairs, codes)

    def _verify(self, pairs: list[tuple[int, int]], codes: list[str]) -> Iterator[Hit]:
        """The exact Jaccard similarity of each candidate pair (new visit, earlier visit)."""
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            ids = {i for pair in chunk for i in pair}
            info = {
                v[0]: v[1:]
                for v in Visit.objects.filter(pk__in=ids).values_list(
                    "pk", "task_id", "beat_id", "unit_path", "team_id", "answers", "note"
                )
            }
            grams = {
                pk: sim.shingles(self.text_of(v[4] or {}, v[5] or "", codes))
                for pk, v in info.items()
            }
            for high, low in chunk:
                if low not in info or high not in info or info[low][0] == info[high][0]:
                    continue  # two calls at the same address may well repeat themselves
                score = sim.jaccard(grams[low], grams[high])
                if score < self.p["similarity"]:
                    continue
                _task, beat_id, path, team_id, _a, _n = info[high]
                yield Hit(
                    key=f"v:{low}|v:{high}",
                    subject=SubjectKind.VISIT,
                    unit_id=beat_id,
                    unit_path=path,
                    visit_id=high,
                    other_visit_id=low,
                    team_id=team_id,
                    args={"percent": round(score * 100)},
                    evidence={"jaccard": round(score, 3)},
                )


BAND_COLUMNS = ("kind", "campaign_id", "band", "value", "item_id")
# Texts whose signatures and bands are written at a time (memory stays flat on a big run).
WRITE_EVERY = 20000


def _write_texts(signatures: list[tuple], bands: list[tuple]) -> int:
    """Write a batch of text signatures and their bands; returns the bands written."""
    if not signatures:
        return 0
    columns = ("visit_id", "campaign_id", "task_id", "length")
    bulk_insert(TextSignature._meta.db_table, columns, signatures)
    return bulk_insert(SimilarityBand._meta.db_table, BAND_COLUMNS, bands)


def band_pairs(kind: int, campaign_id: int, since: int, upto: int) -> list[tuple[int, int]]:
    """(new item, earlier item) pairs that share a band, for the items in (since, upto]: one
    join of the band table with itself on its (campaign, kind, band, value) index."""
    table = SimilarityBand._meta.db_table
    sql = (
        f"SELECT DISTINCT n.item_id, o.item_id FROM {table} n "  # noqa: S608 - names from _meta # nosec B608
        f"JOIN {table} o ON o.campaign_id = n.campaign_id AND o.kind = n.kind "
        "AND o.band = n.band AND o.value = n.value AND o.item_id < n.item_id "
        "WHERE n.campaign_id = %s AND n.kind = %s AND n.item_id > %s AND n.item_id <= %s "
        "ORDER BY n.item_id, o.item_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign_id, kind, since, upto])
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


class PhotoCopy(RuleType):
    """The same photo on two visits: equal bytes (SHA-256), or a perceptual hash within a few
    bits (a re-saved, resized or recompressed copy)."""

    kind = RuleKind.PHOTO_COPY
    summary = _("The same photo on two visits (%(how)s)")
    params = {"max_distance": Param(_("Largest pHash difference of a copy (bits)"), 4, 0, 12)}
    # A photo sent before its visit is attached when the visit arrives; one not attached
    # after three days is an orphan (pruned by the visits app) and no longer holds the mark back.
    WAIT_FOR_VISIT = dt.timedelta(days=3)

    def __init__(self, campaign: Any, params: dict[str, Any], rule: Any = None) -> None:
        super().__init__(campaign, params)
        self.marks = {
            "watermark": getattr(rule, "watermark", 0),
            "photo_watermark": getattr(rule, "photo_watermark", 0),
        }

    def run(self, window: Window) -> Iterator[Hit]:
        self._hash_files(window)
        since = self.marks["photo_watermark"]
        upto = (
            PhotoHash.objects.filter(campaign_id=self.campaign.pk, pk__gt=since).aggregate(
                m=Max("pk")
            )["m"]
            or since
        )
        if upto <= since:
            return
        self.marks["photo_watermark"] = upto
        self._bands_add(since, upto)
        yield from self._hits(self._pairs(since, upto))

    def _bands_add(self, since: int, upto: int) -> None:
        """The new hashes' four 16-bit quarters, computed by the database (the same value as
        `similarity.photo_bands`: the mask makes the sign of the stored bigint irrelevant)."""
        band, photo = SimilarityBand._meta.db_table, PhotoHash._meta.db_table
        quarters = " UNION ALL ".join(
            f"SELECT {SimilarityBand.Kind.PHOTO.value}, campaign_id, {i}, "  # noqa: S608 # nosec B608
            f"(phash >> {16 * i}) & 65535, id FROM {photo} "
            "WHERE campaign_id = %s AND id > %s AND id <= %s"
            for i in range(sim.PHOTO_BANDS)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {band} ({', '.join(BAND_COLUMNS)}) {quarters}",
                [self.campaign.pk, since, upto] * sim.PHOTO_BANDS,
            )
            added = cursor.rowcount
        analyze(band, added)
        analyze(photo, upto - since)

    def _pairs(self, since: int, upto: int) -> list[tuple]:
        """Pairs (new hash, earlier hash) on different visits whose bytes are equal or whose
        pHashes lie within the threshold: candidates from equal quarters or an equal SHA-256,
        both checked by the database."""
        band, photo = SimilarityBand._meta.db_table, PhotoHash._meta.db_table
        distance = sql_hamming("a.phash", "b.phash")
        sql = (
            "WITH c AS ("  # noqa: S608 - names from _meta # nosec B608
            f"SELECT n.item_id AS hi, o.item_id AS lo FROM {band} n JOIN {band} o "
            "ON o.campaign_id = n.campaign_id AND o.kind = n.kind AND o.band = n.band "
            "AND o.value = n.value AND o.item_id < n.item_id "
            "WHERE n.campaign_id = %s AND n.kind = %s AND n.item_id > %s AND n.item_id <= %s "
            f"UNION SELECT x.id, y.id FROM {photo} x JOIN {photo} y "
            "ON y.campaign_id = x.campaign_id AND y.sha256 = x.sha256 AND y.id < x.id "
            "WHERE x.campaign_id = %s AND x.id > %s AND x.id <= %s) "
            "SELECT a.id, b.id, a.visit_id, b.visit_id, a.photo_id, b.photo_id, "
            f"CASE WHEN a.sha256 = b.sha256 THEN 0 ELSE {distance} END AS d, "
            "a.sha256 = b.sha256 "
            f"FROM c JOIN {photo} a ON a.id = c.lo JOIN {photo} b ON b.id = c.hi "
            f"WHERE a.visit_id <> b.visit_id AND (a.sha256 = b.sha256 OR {distance} <= %s) "
            "ORDER BY a.id, b.id"
        )
        params = [self.campaign.pk, SimilarityBand.Kind.PHOTO.value, since, upto]
        params += [self.campaign.pk, since, upto, int(self.p["max_distance"])]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _hash_files(self, window: Window) -> None:
        """PhotoHash rows for the photos attached since the last run (files read once)."""
        photos = VisitPhoto.objects.filter(
            pk__gt=self.marks["watermark"], visit__campaign_id=self.campaign.pk
        ).order_by("pk")
        mark = self.marks["watermark"]
        waiting = False
        for photo in photos.select_related("visit").iterator(chunk_size=200):
            if photo.visit_id is None:
                waiting = waiting or photo.created_at > window.now - self.WAIT_FOR_VISIT
                continue
            with photo.image.open("rb") as f:
                sha, phash = sim.photo_hashes(f.read())
            PhotoHash.objects.get_or_create(
                photo_id=photo.pk,
                defaults={
                    "visit_id": photo.visit_id,
                    "campaign_id": self.campaign.pk,
                    "task_id": photo.visit.task_id,
                    "sha256": sha,
                    "phash": phash,
                },
            )
            if not waiting:
                mark = photo.pk
        self.marks["watermark"] = mark

    def _hits(self, pairs: list[tuple]) -> Iterator[Hit]:
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            visits = {
                v[0]: v[1:]
                for v in Visit.objects.filter(
                    pk__in={p[2] for p in chunk} | {p[3] for p in chunk}
                ).values_list("pk", "beat_id", "unit_path", "team_id")
            }
            for low, high, visit_a, visit_b, photo_a, photo_b, distance, equal in chunk:
                # The flag belongs to the later of the two visits.
                (v1, p1), (v2, p2) = sorted(((visit_a, photo_a), (visit_b, photo_b)))
                if v2 not in visits:
                    continue
                beat_id, path, team_id = visits[v2]
                equal = bool(equal)
                yield Hit(
                    key=f"ph:{low}|ph:{high}",
                    subject=SubjectKind.VISIT,
                    unit_id=beat_id,
                    unit_path=path,
                    visit_id=v2,
                    other_visit_id=v1,
                    team_id=team_id,
                    args={"how": "sha256" if equal else f"pHash Δ{distance}"},
                    evidence={
                        "photos": [p1, p2],
                        "identical_bytes": equal,
                        "distance": int(distance),
                    },
                )
