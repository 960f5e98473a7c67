"""`manage.py restore ARCHIVE --into NAME`: restore a backup into a database (a PostgreSQL
database name, created when missing; a file for SQLite) and check every table against the
archive's manifest. Restoring over the live database is the operator's explicit choice
(`--into` names it); the drill restores into a scratch one. `make restore` runs it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zoufang.core.backup import BackupError, backup_key, restore_backup


class Command(BaseCommand):
    help = "Restore a backup into a database and compare each table with its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--into", required=True, help="database name (or SQLite file)")
        parser.add_argument("--media", type=Path, help="where the uploaded files go")

    def handle(
        self, *args: object, archive: Path, into: str, media: Path | None, **o: object
    ) -> None:
        if not archive.is_file():
            raise CommandError(f"No such backup: {archive}")
        try:
            problems = restore_backup(archive, key=backup_key(), into=into, media=media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError("The restore differs from the backup:\n" + "\n".join(problems))
        self.stdout.write(f"Restored into {into}: every table matches the backup's manifest.")
