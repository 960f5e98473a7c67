"""Rejection reasons in the reader's language.

A reason is made while the import runs, in whatever language is active there (the starter's
in the embedded default, the server's default on a worker) — but it is read later, by anyone
whose jurisdiction covers the job, in their own language. So what is stored with a rejection
is the reason's msgid and its parameters beside its text, and the job page and the report say
it again in the viewer's language (`say`).

How the msgid is caught without changing the sixty places that word a reason
(`_("Not a date: %(value)s") % {...}`, `raise Bad(...)`, …): while an import runs, its threads
use a translation that hands back each translated text as a `Reason` — a `str` that remembers
its msgid and, once formatted with `%`, its parameters (`capture`). A reason built another way
(joined, concatenated) is a plain `str` and is kept as text, as older jobs' reasons are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, trans_real

_NESTED = "_reason"  # a parameter that is itself a reason: {"_reason": [msgid, params, text]}


class Reason(str):
    """A translated text that remembers its msgid and the parameters it was formatted with."""

    msgid: str
    params: Any

    def __new__(cls, text: str, msgid: str, params: Any = None) -> Reason:
        obj = super().__new__(cls, text)
        obj.msgid, obj.params = msgid, params
        return obj

    def __str__(self) -> str:  # str(exc) of an exception holding a reason keeps it a Reason
        return self

    def __mod__(self, params: Any) -> Reason:
        return Reason(str.__mod__(self, params), self.msgid, _plain(params))


def _plain(value: Any) -> Any:
    """Parameters as JSON values (a reason among them kept as a reason)."""
    if isinstance(value, Reason):
        return {_NESTED: [value.msgid, value.params, str.__str__(value)]}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str.__str__(str(value))


class _Capturing:
    """A translation object (Django's interface) whose gettext returns Reasons."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def gettext(self, message: str) -> str:
        return Reason(self._inner.gettext(message), message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def capture(language: str | None) -> Iterator[None]:
    """In this thread, `language` active and every gettext a Reason (see the docstring)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        active = trans_real._active
        inner = getattr(active, "value", None) or trans_real.translation(translation.get_language())
        active.value = _Capturing(inner)
        try:
            yield
        finally:
            active.value = inner


def stored(reason: str) -> tuple[str, Any]:
    """What is stored beside a reason's text: its msgid and parameters ("" and None when the
    reason is plain text)."""
    if isinstance(reason, Reason):
        return reason.msgid, reason.params
    return "", None


def _rendered(params: Any) -> Any:
    if isinstance(params, dict):
        if _NESTED in params and len(params) == 1:
            msgid, inner, text = params[_NESTED]
            return say(text, msgid, inner)
        return {k: _rendered(v) for k, v in params.items()}
    if isinstance(params, list):
        return tuple(_rendered(v) for v in params)
    return params


def say(text: str, msgid: str | None, params: Any) -> str:
    """A stored reason in the active language; its stored text when it has no msgid (an
    older job) or the catalog's wording no longer fits the parameters."""
    if not msgid:
        return text
    try:
        out = gettext(msgid)
        if params is not None:
            out = out % _rendered(params)
    except (KeyError, TypeError, ValueError):
        return text
    return str.__str__(out)
