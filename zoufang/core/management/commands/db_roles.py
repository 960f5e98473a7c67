"""`manage.py db_roles`: create (when missing) and grant the PostgreSQL application and
auditor roles on this database (zoufang.core.dbroles). Idempotent; run it as the tables'
owner after `migrate`. Passwords, when the roles log in with one, come from
DB_APP_PASSWORD / DB_AUDITOR_PASSWORD in the environment (never on the command line)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zoufang.core import dbroles


class Command(BaseCommand):
    help = "Create and grant the application role (append-only audit) and the auditor role."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = dbroles.apply(
                password=os.environ.get("DB_APP_PASSWORD") or None,
                auditor_password=os.environ.get("DB_AUDITOR_PASSWORD") or None,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        for role, created in done["created"].items():
            self.stdout.write(f"role {role}: {'created' if created else 'already there'}")
        self.stdout.write(
            f"granted on database {done['database']} (tables owned by {done['owner']}); "
            "the audit tables are append-only for the application role"
        )
