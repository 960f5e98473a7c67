"""`manage.py retention`: run the retention job now (celery beat runs it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zoufang.core import retention


class Command(BaseCommand):
    help = "Apply the personal-data and audit-trail retention rules now."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in retention.run().items():
            self.stdout.write(f"{name}: {count} cleared")
