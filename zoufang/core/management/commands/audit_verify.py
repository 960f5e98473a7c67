"""`manage.py audit_verify`: walk the audit trail's hash chain; exit 1 naming every entry
changed, removed or written around the chain (zoufang.core.audit)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zoufang.core import audit


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (exit status 1 when it has been tampered with)."

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit.verify()
        if verdict.ok:
            span = f"links {verdict.first_seq}..{verdict.last_seq}" if verdict.checked else "empty"
            self.stdout.write(f"audit trail intact: {verdict.checked} entries ({span})")
            return
        for line in verdict.problems:
            self.stderr.write(line)
        raise CommandError(
            f"audit trail NOT intact: {len(verdict.problems)} problem(s) "
            f"in {verdict.checked} links checked"
        )
