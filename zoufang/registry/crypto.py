"""Personal data at rest: AES-256-GCM for the value, a keyed BLAKE2b hash for exact lookup.

Each value is encrypted with a fresh 96-bit nonce and stored as text, "1$" + base64(nonce +
ciphertext + tag); the leading "1" is the key version, so the key can be rotated later. The
lookup hash is BLAKE2b in keyed mode (a MAC, like HMAC-SHA256 but faster), 128 bits, hex;
an equal value gives an equal hash, so "find the person with ID number X" is one indexed
equality, and nothing about X can be learnt from the hash without the key.

Both keys are derived from settings.FIELD_ENCRYPTION_KEY, which comes from the environment.

Rotation (issue 17; decision 0038): FIELD_ENCRYPTION_KEY is the key of version
FIELD_ENCRYPTION_KEY_VERSION, which new values are sealed with; FIELD_ENCRYPTION_OLD_KEYS
("1:<base64>,...") keeps the older keys, so a value sealed with any of them still opens;
`manage.py rotate_field_key` re-encrypts every value to the current version. The lookup hash
is keyed by FIELD_LOOKUP_KEY, by default the version-1 key, so lookups and the uniqueness of
ID numbers hold across a rotation of the encryption key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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


def current_version() -> str:
    return str(int(getattr(settings, "FIELD_ENCRYPTION_KEY_VERSION", 1)))


def _old_keys() -> dict[str, str]:
    """{version: key} of FIELD_ENCRYPTION_OLD_KEYS ("1:<base64>,2:<base64>")."""
    out = {}
    for item in (getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", "") or "").split(","):
        version, sep, key = item.strip().partition(":")
        if not item.strip():
            continue
        if not sep or not version.isdigit() or not key:
            raise ImproperlyConfigured(
                'FIELD_ENCRYPTION_OLD_KEYS must read "1:<base64>,2:<base64>"'
            )
        out[str(int(version))] = key.strip()
    return out


def _master(version: str) -> str:
    if version == current_version():
        return settings.FIELD_ENCRYPTION_KEY
    try:
        return _old_keys()[version]
    except KeyError:
        raise ValueError(f"unknown key version {version!r}") from None


def _lookup_master() -> str:
    explicit = getattr(settings, "FIELD_LOOKUP_KEY", "")
    if explicit:
        return explicit
    try:
        return _master("1")
    except ValueError:
        raise ImproperlyConfigured(
            "After a key rotation the lookup hashes need the version-1 key: keep it in "
            "FIELD_ENCRYPTION_OLD_KEYS or set FIELD_LOOKUP_KEY"
        ) from None


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0], _keys(_lookup_master())[1]


def version_of(token: str) -> str:
    return token.partition("$")[0] if token else ""


def encrypt(value: str) -> str:
    if not value:
        return ""
    aes, _mac = _current()
    nonce = os.urandom(12)
    return (
        current_version()
        + "$"
        + base64.b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()
    )


def decrypt(token: str) -> str:
    if not token:
        return ""
    version, _, body = token.partition("$")
    aes = _keys(_master(version))[0]
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
        self._prefix = current_version() + "$"
        self._urandom = os.urandom
        self._b64 = base64.b64encode
        self._blake = hashlib.blake2b

    def encrypt(self, value: str) -> str:
        if not value:
            return ""
        nonce = self._urandom(12)
        return (
            self._prefix
            + self._b64(nonce + self._aes.encrypt(nonce, value.encode(), None)).decode()
        )

    def hash(self, value: str) -> str:
        if not value:
            return ""
        return self._blake(value.encode(), key=self._mac, digest_size=16).hexdigest()
