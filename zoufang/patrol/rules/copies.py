"""Copied work: near-duplicate free text and the same photo on several visits. Each run adds the
new visits' texts and photos to the similarity index (`SimilarityBand`) and looks up only
their bands: candidates come from equal bands, never from comparing all pairs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoufang.campaigns.models import VisitForm
from zoufang.patrol import similarity as sim
from zoufang.patrol.models import PhotoHash, RuleKind, SimilarityBand, SubjectKind, TextSignature
from zoufang.patrol.rules.base import Hit, Param, RuleType, Window
from zoufang.visits.models import Outcome, Visit, VisitPhoto

STOCK_ANSWERS = [
    "无", "没有", "正常", "无问题", "没有问题", "暂无", "无异常", "良好", "未发现", "未发现问题",
    "无意见", "没有意见", "无建议", "没有建议", "满意", "一切正常", "不存在", "无隐患",
    "无矛盾纠纷", "无线索", "否", "好", "无此情况", "情况正常",
]  # fmt: skip
CHUNK = 500
PHOTO_CHUNK = 5000


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
        stock = {sim.normalize(w) for w in self.p["stock_answers"]}
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
            .values_list("pk", "task_id", "answers", "note")
        )
        batch: list[tuple] = []
        for row in rows.iterator(chunk_size=2000):
            batch.append(row)
            if len(batch) >= CHUNK:
                yield from self._batch(batch, codes)
                batch = []
        yield from self._batch(batch, codes)

    def _batch(self, rows: list[tuple], codes: list[str]) -> Iterator[Hit]:
        grams: dict[int, set[str]] = {}
        sigs, bands = [], []
        for pk, task_id, answers, note in rows:
            text = self.text_of(answers or {}, note or "", codes)
            if not text:
                continue
            grams[pk] = sim.shingles(text)
            sigs.append(TextSignature(pk, self.campaign.pk, task_id, len(text)))
            for band, value in enumerate(sim.text_bands(grams[pk])):
                bands.append(SimilarityBand(kind=1, campaign_id=self.campaign.pk, band=band, value=value, item_id=pk))  # fmt: skip
        if not sigs:
            return
        TextSignature.objects.bulk_create(sigs, ignore_conflicts=True)
        SimilarityBand.objects.bulk_create(bands, batch_size=2000)
        pairs = _candidates(SimilarityBand.Kind.TEXT, self.campaign.pk, bands)
        yield from self._verify(pairs, grams, codes)

    def _verify(
        self, pairs: set[tuple[int, int]], grams: dict[int, set[str]], codes: list[str]
    ) -> Iterator[Hit]:
        others = {o for _n, o in pairs if o not in grams}
        for pk, answers, note in Visit.objects.filter(pk__in=others).values_list(
            "pk", "answers", "note"
        ):
            grams[pk] = sim.shingles(self.text_of(answers or {}, note or "", codes))
        ids = {i for pair in pairs for i in pair}
        info = {
            v[0]: v[1:]
            for v in Visit.objects.filter(pk__in=ids).values_list(
                "pk", "task_id", "beat_id", "unit_path", "team_id"
            )
        }
        for low, high in sorted({tuple(sorted(p)) for p in pairs}):
            if low not in info or high not in info or info[low][0] == info[high][0]:
                continue  # two calls at the same address may well repeat themselves
            score = sim.jaccard(grams.get(low, set()), grams.get(high, set()))
            if score < self.p["similarity"]:
                continue
            _task, beat_id, path, team_id = info[high]
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


def _candidates(kind: int, campaign_id: int, mine: list[SimilarityBand]) -> set[tuple[int, int]]:
    """(new item, other item) pairs that share a band: one indexed lookup per chunk."""
    by_key: dict[tuple[int, int], set[int]] = defaultdict(set)
    for b in mine:
        by_key[(b.band, b.value)].add(b.item_id)
    pairs: set[tuple[int, int]] = set()
    keys = list(by_key)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        cond = Q()
        for band in {k[0] for k in chunk}:
            cond |= Q(band=band, value__in=[v for b, v in chunk if b == band])
        rows = SimilarityBand.objects.filter(cond, kind=kind, campaign_id=campaign_id)
        for band, value, item in rows.values_list("band", "value", "item_id"):
            for new in by_key[(band, value)]:
                if item != new:
                    pairs.add((new, item))
    return pairs


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
        while True:
            new = list(
                PhotoHash.objects.filter(
                    campaign_id=self.campaign.pk, pk__gt=self.marks["photo_watermark"]
                ).order_by("pk")[:PHOTO_CHUNK]
            )
            if not new:
                return
            self.marks["photo_watermark"] = new[-1].pk
            yield from self._batch(new)

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

    def _batch(self, new: list[PhotoHash]) -> Iterator[Hit]:
        bands = [
            SimilarityBand(kind=2, campaign_id=self.campaign.pk, band=i, value=v, item_id=h.pk)
            for h in new
            for i, v in enumerate(sim.photo_bands(h.phash))
        ]
        SimilarityBand.objects.bulk_create(bands, batch_size=2000)
        pairs = _candidates(SimilarityBand.Kind.PHOTO, self.campaign.pk, bands)
        same = PhotoHash.objects.filter(
            campaign_id=self.campaign.pk, sha256__in=[h.sha256 for h in new]
        ).values_list("pk", "sha256")
        by_sha = defaultdict(set)
        for pk, sha in same:
            by_sha[sha].add(pk)
        for h in new:
            pairs |= {(h.pk, o) for o in by_sha[h.sha256] if o != h.pk}
        hashes = PhotoHash.objects.in_bulk({i for p in pairs for i in p})
        yield from self._verify(pairs, hashes)

    def _verify(self, pairs: set[tuple[int, int]], hashes: dict[int, PhotoHash]) -> Iterator[Hit]:
        limit = int(self.p["max_distance"])
        visits = {}
        ids = {h.visit_id for h in hashes.values()}
        for pk, beat_id, path, team_id in Visit.objects.filter(pk__in=ids).values_list(
            "pk", "beat_id", "unit_path", "team_id"
        ):
            visits[pk] = (beat_id, path, team_id)
        for low, high in sorted({tuple(sorted(p)) for p in pairs}):
            a, b = hashes.get(low), hashes.get(high)
            if a is None or b is None or a.visit_id == b.visit_id:
                continue
            equal = a.sha256 == b.sha256
            distance = 0 if equal else sim.hamming(a.phash, b.phash)
            if distance > limit or b.visit_id not in visits:
                continue
            beat_id, path, team_id = visits[b.visit_id]
            first, second = sorted((a, b), key=lambda h: h.visit_id)
            yield Hit(
                key=f"ph:{low}|ph:{high}",
                subject=SubjectKind.VISIT,
                unit_id=beat_id,
                unit_path=path,
                visit_id=second.visit_id,
                other_visit_id=first.visit_id,
                team_id=team_id,
                args={"how": "sha256" if equal else f"pHash Δ{distance}"},
                evidence={
                    "photos": [first.photo_id, second.photo_id],
                    "identical_bytes": equal,
                    "distance": distance,
                },
            )
