"""Personal data at rest: AES-256-GCM for the value, a keyed BLAKE2b hash for exact lookup.

Each value is encrypted with a fresh 96-bit nonce and stored as text, "1$" + base64(nonce +
ciphertext + tag); the leading "1" is the key version, so the key can be rotated later. The
lookup hash is BLAKE2b in keyed mode (a MAC, like HMAC-SHA256 but faster), 128 bits, hex;
an equal value gives an equal hash, so "find the person with ID number X" is one indexed
equality, and nothing about X can be learnt from the hash without the key.

Both keys are derived from settings.FIELD_ENCRYPTION_KEY, which comes from the environment.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "1"


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[AESGCM, bytes]:
    try:
        raw = base64.b64decode(master, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not valid base64") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be at least 32 bytes")
    enc = hashlib.blake2b(raw, key=b"zoufang-enc", digest_size=32).digest()
    mac = hashlib.blake2b(raw, key=b"zoufang-mac", digest_size=32).digest()
    return AESGCM(enc), mac


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.FIELD_ENCRYPTION_KEY)


def encrypt(value: str) -> str:
    if not value:
        return ""
    aes, _mac = _current()
    nonce = os.urandom(12)
    return (
        VERSION + "$" + base64.b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()
    )


def decrypt(token: str) -> str:
    if not token:
        return ""
    version, _, body = token.partition("$")
    if version != VERSION:
        raise ValueError(f"unknown key version {version!r}")
    aes, _mac = _current()
    raw = base64.b64decode(body)
    return aes.decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(value: str) -> str:
    """The keyed hash of a normalised value ("" for no value)."""
    if not value:
        return ""
    _aes, mac = _current()
    return hashlib.blake2b(value.encode(), key=mac, digest_size=16).hexdigest()


class Sealer:
    """The same three operations with the keys resolved once, for bulk loads."""

    def __init__(self) -> None:
        self._aes, self._mac = _current()
        self._urandom = os.urandom
        self._b64 = base64.b64encode
        self._blake = hashlib.blake2b

    def encrypt(self, value: str) -> str:
        if not value:
            return ""
        nonce = self._urandom(12)
        return "1$" + self._b64(nonce + self._aes.encrypt(nonce, value.encode(), None)).decode()

    def hash(self, value: str) -> str:
        if not value:
            return ""
        return self._blake(value.encode(), key=self._mac, digest_size=16).hexdigest()
