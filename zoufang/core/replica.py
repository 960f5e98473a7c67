"""Reads that may come from the streaming replica, and read-your-writes (decision 0043).

With `DATABASE_REPLICA_URL` set, `settings.DATABASES` holds a second alias, "replica": a hot
standby fed by PostgreSQL's streaming replication. Nothing goes there unless a view says so,
in one line:

    @replica_reads
    def dashboard(request): ...

Inside such a view (GET or HEAD only) every ORM read goes to the replica and every write to
the primary, through `ReplicaRouter`; the selectors do not change (no `.using()` anywhere).
Without a replica (SQLite, one PostgreSQL) all of this is a no-op.

Read-your-writes: when a request writes (the router sees it), `ReplicaMiddleware` notes the
primary's WAL position (`pg_current_wal_lsn()`) after the request, in the cache under the
user, for `REPLICA_PIN_SECONDS`. A later replica-marked read by that user goes to the replica
only once the replica has replayed past that position (`pg_last_wal_replay_lsn()`), otherwise
to the primary: however far the replica lags, a user never misses their own write, while
everybody else keeps reading from the replica. A replica that cannot be reached is skipped
for `REPLICA_RETRY_SECONDS` and the primary answers.

Written here rather than taken from a library: django-replicated and django-multidb-router
pin by time after a write (no guarantee under a long lag) and are unmaintained for Django 5.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _State:
    replica_ok: bool = False  # this request's reads may come from the replica
    wrote: bool = False  # this request wrote to the primary


_state: ContextVar[_State | None] = ContextVar("zoufang_replica_state", default=None)
_down_until = 0.0  # monotonic time before which the replica is not tried again


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """Reads to the replica only where a view or `replica_reads()` allowed it, and never after
    this request wrote or inside a transaction on the primary; writes always to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        if state is None or not state.replica_ok or state.wrote:
            return None
        if connections[PRIMARY].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        state = _state.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same rows on both databases

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # a standby is read-only; it gets the schema by replication


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose GET reads may come from the replica (`ReplicaMiddleware` acts on it)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponse:
        return view(*args, **kwargs)

    wrapped.replica_ok = True  # type: ignore[attr-defined]
    return wrapped


@contextlib.contextmanager
def reading_replica() -> Iterator[None]:
    """The same for a block outside a request (a management command, a task): its ORM reads
    go to the replica when one is configured and reachable."""
    ok = replica_configured() and _reachable()
    token = _state.set(_State(replica_ok=ok))
    try:
        yield
    finally:
        _state.reset(token)


def _reachable() -> bool:
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
        return True
    except DatabaseError:
        _down_until = time.monotonic() + getattr(settings, "REPLICA_RETRY_SECONDS", 30)
        logger.warning("replica unreachable; reads go to the primary")
        connections[REPLICA].close()
        return False


def _pin_key(user_id: Any) -> str:
    return f"zoufang:replica-pin:{user_id}"


def _user_id(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    auth = getattr(request, "auth", None)  # the API's bearer token
    return getattr(auth, "pk", None) if getattr(auth, "is_authenticated", False) else None


def _caught_up(lsn: str) -> bool:
    """Has the replica replayed the primary's WAL up to `lsn`?"""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        return False


class ReplicaMiddleware:
    """Per request: allow replica reads in marked views, and pin a user who wrote to the
    primary until the replica has caught up with their write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        state = _State()
        token = _state.set(state)
        try:
            response = self.get_response(request)
            if state.wrote:
                self._pin(request)
        finally:
            _state.reset(token)
        if response.streaming and state.replica_ok:
            response.streaming_content = _within(state, response.streaming_content)
        return response

    def process_view(self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any) -> None:
        state = _state.get()
        if state is None or request.method not in SAFE_METHODS:
            return
        if not getattr(view_func, "replica_ok", False):
            return
        user_id = _user_id(request)  # loads the user (and session) before reads may move
        if not _reachable():
            return
        pinned = cache.get(_pin_key(user_id)) if user_id is not None else None
        state.replica_ok = pinned is None or _caught_up(pinned)

    def _pin(self, request: HttpRequest) -> None:
        user_id = _user_id(request)
        if user_id is None or connections[PRIMARY].vendor != "postgresql":
            return
        try:
            with connections[PRIMARY].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                lsn = cursor.fetchone()[0]
        except DatabaseError:
            return
        cache.set(_pin_key(user_id), lsn, getattr(settings, "REPLICA_PIN_SECONDS", 300))


def _within(state: _State, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed body is produced after the view returned: its reads keep the request's
    state, set around each chunk only (the thread's context is clean between chunks)."""
    it = iter(chunks)
    while True:
        token = _state.set(state)
        try:
            chunk = next(it)
        except StopIteration:
            return
        finally:
            _state.reset(token)
        yield chunk
