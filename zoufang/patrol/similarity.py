"""Near-duplicate search without comparing all pairs.

Text: character 3-gram shingles, a 64-value MinHash signature and 16 bands of 4 rows
(locality-sensitive hashing): two texts whose Jaccard similarity is 0.7 (the rule's default
threshold) share at least one band with probability 1 - (1 - 0.7^4)^16 = 0.988, at 0.8 with
probability > 0.9999; at 0.3 with 0.12, and such candidates are dropped by the exact check. We write the small banding ourselves
rather than use `datasketch`: its LSH index lives in memory (or Redis/Cassandra), while the
patrol needs the bands in a database table next to the visits, so that an incremental run
looks up only the new texts' bands through an index (docs/decisions/0012-patrol.md).

Photos: a 64-bit perceptual hash (`imagehash.phash`) cut into four 16-bit quarters; two hashes
within 3 bits of each other share a quarter (pigeonhole), and a re-saved copy usually differs in
0–2 bits, so a quarter lookup finds it; the Hamming distance then decides.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from collections import Counter

import numpy as np

SHINGLE = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
_PRIME = (1 << 31) - 1
_rng = np.random.default_rng(20261203)
_A = _rng.integers(1, _PRIME, size=PERMUTATIONS, dtype=np.int64)
_B = _rng.integers(0, _PRIME, size=PERMUTATIONS, dtype=np.int64)
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """The text as compared: full-width folded (NFKC), lower case, no spaces or punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def entropy(text: str) -> float:
    """Shannon entropy per character (bits): "无无无无" has 0, ordinary prose 4 or more."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def shingles(text: str) -> set[str]:
    if len(text) < SHINGLE:
        return {text} if text else set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# A shingle as a number: its three code points (each < 0x110000) in base 0x110000, reduced
# modulo the prime — computed for a whole text at once with NumPy (hashing each shingle with
# blake2b in Python took 2 ms a text, most of a full run's text rule).
_BASE = 0x110000


def shingle_ids(text: str) -> np.ndarray:
    """The distinct 3-gram shingles of a text as integers below the prime."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(codes) < SHINGLE:
        codes = np.concatenate([codes, np.zeros(SHINGLE - len(codes), dtype=np.int64)])
    ids = (codes[:-2] * _BASE + codes[1:-1]) % _PRIME
    ids = (ids * _BASE + codes[2:]) % _PRIME
    return np.unique(ids)


def minhash(text: str) -> np.ndarray:
    """The MinHash signature of a text's shingles: for each of the 64 hash functions
    (a·x + b mod p), the minimum."""
    xs = shingle_ids(text)
    return ((np.outer(_A, xs) + _B[:, None]) % _PRIME).min(axis=1)


def text_bands(text: str) -> list[int]:
    """One signed 63-bit value per band (a hash of the band's rows)."""
    sig = minhash(text)
    out = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        out.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big") >> 1)
    return out


# ---- photos

PHOTO_BANDS = 4


def to_signed(value: int) -> int:
    """A 64-bit unsigned hash as the signed bigint a database column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def photo_bands(phash: int) -> list[int]:
    """The four 16-bit quarters of a (signed-stored) 64-bit hash."""
    u = to_unsigned(phash)
    return [(u >> (16 * i)) & 0xFFFF for i in range(PHOTO_BANDS)]


def hamming(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def photo_hashes(data: bytes) -> tuple[str, int]:
    """(SHA-256 hex of the bytes, the perceptual hash as a signed 64-bit int)."""
    import imagehash
    from PIL import Image

    sha = hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as img:
        value = int(str(imagehash.phash(img)), 16)
    return sha, to_signed(value)
