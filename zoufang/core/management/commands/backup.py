"""`manage.py backup [--out DIR]`: the database and uploaded files in one encrypted archive
(zoufang/core/backup.py); `make backup` runs it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zoufang.core.backup import BackupError, backup_key, make_backup


class Command(BaseCommand):
    help = "Back up the database and media into one archive encrypted with BACKUP_KEY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=Path("backups"), help="folder (backups/)")

    def handle(self, *args: object, out: Path, **opts: object) -> None:
        try:
            path = make_backup(out, key=backup_key())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path} ({path.stat().st_size:,} bytes)")
