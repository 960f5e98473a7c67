"""The audit trail you can trust (issue 17 part 3; decision 0036).

django-auditlog's `LogEntry` table is the trail. This module adds what an assessor asks for:

- **Append-only.** No code path updates or deletes an entry; the database refuses it too:
  SQLite triggers (migration core 0002) and, on PostgreSQL, triggers for every role plus an
  application role without UPDATE/DELETE/TRUNCATE on the table (`manage.py db_roles`).
  The only deletion allowed is of entries older than `AUDIT_RETENTION_FLOOR_DAYS` (180,
  等保2.0 asks for at least six months), by the retention job.
- **Hash-chained.** Every entry, as it is written, gets an `AuditSeal`: HMAC-SHA256 over the
  entry's stored columns and the previous seal's digest, keyed by `AUDIT_CHAIN_KEY`.
  `manage.py audit_verify` walks the chain and names every entry changed, removed or left
  unsealed. The HMAC (not a bare hash) means someone who can write the tables cannot forge
  a consistent chain without the key, which lives outside the database.
- **Fail closed.** `record()` raises `AuditUnavailable` when the entry cannot be written;
  callers showing personal data (reveal, key-person record, export) refuse the action then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from zoufang.core.models import AuditHead, AuditSeal

log = logging.getLogger(__name__)

# 等保2.0 level 3 (安全审计): audit records kept at least six months. The database enforces
# this floor (triggers, row-level security); AUDIT_RETENTION_DAYS may only be longer.
RETENTION_FLOOR_DAYS = 180
GENESIS = ""


class AuditUnavailable(Exception):
    """The audit entry for a sensitive action could not be written: refuse the action."""


def _key() -> bytes:
    raw = getattr(settings, "AUDIT_CHAIN_KEY", "") or f"zoufang-audit:{settings.SECRET_KEY}"
    return hashlib.blake2b(raw.encode(), key=b"zoufang-audit-chain", digest_size=32).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value


def entry_payload(entry: models.Model) -> bytes:
    """The stored columns of an entry, as canonical JSON (every concrete field, by name)."""
    data = {f.attname: _canonical(f.value_from_object(entry)) for f in entry._meta.concrete_fields}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()


def digest_of(prev: str, entry: models.Model) -> str:
    return hmac.new(
        _key(), prev.encode() + b"\n" + entry_payload(entry), hashlib.sha256
    ).hexdigest()


def seal(entry: LogEntry) -> AuditSeal:
    """Chain `entry` onto the newest link. Runs in the writer's transaction: if it fails,
    the entry (and whatever wrote it) is rolled back with it."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1)
            head = AuditHead.objects.select_for_update().get(pk=1)
        # Digest what the database holds (JSON columns come back normalised).
        stored = LogEntry.objects.get(pk=entry.pk)
        digest = digest_of(head.digest, stored)
        link = AuditSeal.objects.create(
            seq=head.seq + 1,
            entry_id=stored.pk,
            at=stored.timestamp,
            prev=head.digest,
            digest=digest,
        )
        AuditHead.objects.filter(pk=1).update(seq=link.seq, digest=digest)
    return link


def _on_entry_saved(
    sender: type, instance: LogEntry, created: bool, raw: bool = False, **kw: Any
) -> None:
    if created and not raw:
        seal(instance)


def connect() -> None:
    models.signals.post_save.connect(
        _on_entry_saved, sender=LogEntry, dispatch_uid="core-audit-seal"
    )


def record(
    *,
    actor: Any,
    what: str,
    obj: models.Model | None = None,
    extra: dict[str, Any] | None = None,
    request: Any = None,
) -> LogEntry:
    """Write one ACCESS entry (who saw or took what) or raise `AuditUnavailable`.

    `obj` is the record seen; without one (an export) the entry is filed under the actor's
    own user record, `what` saying what was taken and `extra` the details (rows, file)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    target = obj if obj is not None else user
    try:
        with transaction.atomic():
            return LogEntry.objects.create(
                content_type=ContentType.objects.get_for_model(target),
                object_pk=str(target.pk),
                object_id=target.pk if isinstance(target.pk, int) else None,
                object_repr=str(target)[:200] if obj is not None else what[:200],
                action=LogEntry.Action.ACCESS,
                actor=user,
                changes={"viewed": ["", what]},
                changes_text=what,
                additional_data=extra or None,
                remote_addr=_client_ip(request),
            )
    except (DatabaseError, AttributeError, ValueError) as exc:
        log.error("audit write failed, action refused: %s (%s)", what, type(exc).__name__)
        raise AuditUnavailable(what) from exc


def _client_ip(request: Any) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


# ---- verification -------------------------------------------------------------------------


@dataclass
class Verdict:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _anchor() -> tuple[int, str]:
    """(seq, digest) of the last link the retention job removed, from its own (sealed)
    entry; (0, GENESIS) when nothing has been removed."""
    purge = (
        LogEntry.objects.filter(additional_data__audit_purge__isnull=False)
        .order_by("-pk")
        .values_list("additional_data", flat=True)
        .first()
    )
    if not purge:
        return 0, GENESIS
    info = purge["audit_purge"]
    return int(info["through_seq"]), str(info["digest"])


def _links(chunk: int) -> Iterator[tuple[AuditSeal, LogEntry | None]]:
    last = -1
    while True:
        seals = list(AuditSeal.objects.filter(seq__gt=last).order_by("seq")[:chunk])
        if not seals:
            return
        entries = LogEntry.objects.in_bulk([s.entry_id for s in seals])
        for s in seals:
            yield s, entries.get(s.entry_id)
        last = seals[-1].seq


def verify(*, chunk: int = 2000, limit_problems: int = 100) -> Verdict:
    """Walk the whole chain: every link follows the one before, every entry is unchanged,
    no sealed entry is missing, no entry is unsealed, and the head is the newest link."""
    v = Verdict()
    anchor_seq, prev = _anchor()
    expected_seq = anchor_seq + 1

    def problem(text: str) -> None:
        if len(v.problems) < limit_problems:
            v.problems.append(text)

    for link, entry in _links(chunk):
        if v.first_seq is None:
            v.first_seq = link.seq
        if link.seq != expected_seq:
            problem(f"links {expected_seq}..{link.seq - 1} are missing (entries removed)")
        if link.prev != prev:
            problem(f"link {link.seq} does not follow the link before it")
        if entry is None:
            problem(f"link {link.seq}: entry {link.entry_id} has been deleted")
        elif not hmac.compare_digest(digest_of(link.prev, entry), link.digest):
            problem(f"link {link.seq}: entry {link.entry_id} has been changed")
        prev, expected_seq = link.digest, link.seq + 1
        v.checked += 1
        v.last_seq = link.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.digest) != (expected_seq - 1, prev):
        problem(f"the newest links after {expected_seq - 1} are missing (head is {head.seq})")
    unsealed = LogEntry.objects.exclude(pk__in=AuditSeal.objects.values("entry_id"))
    count = unsealed.count()
    if count:
        ids = list(unsealed.order_by("pk").values_list("pk", flat=True)[:10])
        problem(f"{count} entries carry no seal (written around the chain), e.g. {ids}")
    return v


# ---- retention ----------------------------------------------------------------------------


def retention_days() -> int:
    return max(RETENTION_FLOOR_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", 365)))


def purge_expired(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete the entries older than the retention period, oldest first and only a whole
    prefix of the chain (so what remains still verifies), then record the removal as an
    entry of its own naming the last removed link. Returns the number of entries removed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    removed = 0
    while True:
        with transaction.atomic():
            # The chain's prefix up to the first link that is not yet expired.
            keep = AuditSeal.objects.filter(at__gte=cutoff).order_by("seq").values("seq")[:1]
            doomed = AuditSeal.objects.filter(at__lt=cutoff).order_by("seq")
            if keep.exists():
                doomed = doomed.filter(seq__lt=models.Subquery(keep))
            links = list(doomed[:batch])
            if not links:
                break
            last = links[-1]
            ids = [s.entry_id for s in links]
            LogEntry.objects.filter(pk__in=ids).delete()
            AuditSeal.objects.filter(pk__in=[s.pk for s in links]).delete()
            removed += len(links)
            record(
                actor=None,
                obj=system_target(),
                what=f"audit retention: {len(links)} entries older than {retention_days()} days removed",
                extra={
                    "audit_purge": {
                        "through_seq": last.seq,
                        "digest": last.digest,
                        "count": len(links),
                    }
                },
            )
    return removed


def system_target() -> models.Model:
    """Purge entries are filed under the chain's head row (there is no user behind them)."""
    head, _ = AuditHead.objects.get_or_create(pk=1)
    return head
