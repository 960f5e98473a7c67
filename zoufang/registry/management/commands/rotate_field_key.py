"""`manage.py rotate_field_key`: re-encrypt every ID number and phone to the current field
key (FIELD_ENCRYPTION_KEY, version FIELD_ENCRYPTION_KEY_VERSION), in batches, resumable.

The steps (docs/security.md, decision 0038): generate a new key; set it as
FIELD_ENCRYPTION_KEY with FIELD_ENCRYPTION_KEY_VERSION one higher and the previous key in
FIELD_ENCRYPTION_OLD_KEYS ("1:<old>"); restart; run this; when it reports nothing stale,
drop the old key (keep the version-1 key while it keys the lookup hashes, or set
FIELD_LOOKUP_KEY to it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zoufang.core.audit import record, system_target
from zoufang.registry import rotation
from zoufang.registry.crypto import current_version


class Command(BaseCommand):
    help = "Re-encrypt the encrypted personal-data columns to the current key version."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (500)")
        parser.add_argument(
            "--max-batches", type=int, default=None, help="stop after this many batches"
        )
        parser.add_argument(
            "--status", action="store_true", help="only count what is still to re-encrypt"
        )

    def handle(
        self, *args: Any, batch: int, max_batches: int | None, status: bool, **kw: Any
    ) -> None:
        version = current_version()
        if status:
            for label, count in rotation.stale_counts().items():
                self.stdout.write(f"{label}: {count} rows not yet at key version {version}")
            return

        def progress(label: str, count: int) -> None:
            self.stdout.write(f"{label}: {count} rows re-encrypted")

        done = rotation.rotate(batch=max(1, batch), max_batches=max_batches, progress=progress)
        left = sum(rotation.stale_counts().values())
        total = sum(done.values())
        record(
            actor=None,
            obj=system_target(),
            what=f"field key rotation to version {version}: {total} rows re-encrypted, {left} left",
            extra={"key_rotation": {"version": version, "rows": total, "left": left}},
        )
        if left:
            self.stdout.write(f"stopped with {left} rows still to re-encrypt: run it again")
        else:
            self.stdout.write(f"done: every value is at key version {version}")
