"""The public page's guards: the client's real address, the proof-of-work challenge, the rate
limits' keys.

The client address comes from the proxy's header (`OUTREACH_CLIENT_IP_HEADER`, nginx's
X-Real-IP) only when the connection itself comes from an address in `TRUSTED_PROXIES`;
otherwise it is REMOTE_ADDR. A client that sets the header itself gains nothing.

The challenge is our own, hashcash style (docs/decisions/0021-public-page-abuse.md): no
third-party service can be reached from a police network, and a CAPTCHA image would need one
or a font pipeline of its own. The server signs a random nonce with a time stamp; the page's
script finds a counter such that SHA-256("<challenge>:<counter>") starts with
`OUTREACH_POW_BITS` zero bits; the server checks the signature, the age, the hash, and that the
challenge was not used before (kept in the cache until it expires).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

_SALT = "zoufang.outreach.challenge"


@functools.cache
def _trusted(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def _parse(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client as the deployment's proxy reports it; REMOTE_ADDR when the
    request did not come through a trusted proxy."""
    remote = _parse(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 - a key, not a bind # nosec B104
    networks = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not any(ipaddress.ip_address(remote) in n for n in networks):
        return remote
    header = request.META.get(getattr(settings, "OUTREACH_CLIENT_IP_HEADER", "HTTP_X_REAL_IP"), "")
    # X-Forwarded-For style lists: the proxy appends the address it saw last.
    reported = _parse(header.split(",")[-1]) if header else None
    return reported or remote


def ip_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key: the client address (an IPv6 client by its /64)."""
    ip = ipaddress.ip_address(client_ip(request))
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def phone_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key: the phone given on the form (digits only, hashed), or the client
    address when there is none."""
    digits = "".join(ch for ch in request.POST.get("phone", "") if ch.isdigit())
    if not digits:
        return "nophone:" + ip_key(group, request)
    return "phone:" + hashlib.sha256(f"{settings.SECRET_KEY}:{digits}".encode()).hexdigest()[:32]


# ---- the proof-of-work challenge -------------------------------------------------------------


def pow_bits() -> int:
    return int(getattr(settings, "OUTREACH_POW_BITS", 16))


def challenge_new() -> dict[str, Any]:
    """A fresh challenge for the page's script."""
    token = signing.TimestampSigner(salt=_SALT).sign(f"{secrets.token_hex(12)}.{pow_bits()}")
    return {"challenge": token, "bits": pow_bits()}


def _leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def challenge_solve(token: str, bits: int) -> str:
    """The counter that solves a challenge (what the page's script does; tests, bench)."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{token}:{counter}".encode()).digest()
        if _leading_zero_bits(digest) >= bits:
            return str(counter)
        counter += 1


def challenge_check(token: str, answer: str) -> bool:
    """Is `answer` a fresh solution of a challenge this server issued? A solved challenge is
    spent: the same one is refused the second time."""
    max_age = int(getattr(settings, "OUTREACH_POW_MAX_AGE", 900))
    if not token or not answer or len(token) > 200 or len(answer) > 20 or not answer.isdigit():
        return False
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:
        return False
    _, _, bits = value.rpartition(".")
    if not bits.isdigit() or int(bits) < pow_bits():
        return False
    digest = hashlib.sha256(f"{token}:{answer}".encode()).digest()
    if _leading_zero_bits(digest) < int(bits):
        return False
    spent_key = "outreach:pow:" + hashlib.sha256(token.encode()).hexdigest()
    return cache.add(spent_key, 1, timeout=max_age + 60)
