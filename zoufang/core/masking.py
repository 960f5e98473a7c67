"""Masking of personal data for lists, exports and logs."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678; landlines keep the area code and the last 2 digits."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_id_number(value: str | None) -> str:
    """410102199001011234 -> 4101**********1234."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_ip(address: str | None) -> str:
    """203.0.113.45 -> 203.0.*.*; an IPv6 address keeps its first two groups."""
    if not address:
        return ""
    if ":" in address:
        groups = address.split(":")
        return ":".join(groups[:2]) + ":*"
    parts = address.split(".")
    return ".".join(parts[:2] + ["*"] * (len(parts) - 2))
