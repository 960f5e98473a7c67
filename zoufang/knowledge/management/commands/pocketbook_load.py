from __future__ import annotations

from django.core.management.base import BaseCommand

from zoufang.knowledge.services import pocketbook_load


class Command(BaseCommand):
    help = (
        "Load the pocket book's starter set (zoufang/knowledge/data): its chapters, and the "
        "entries not there yet; entries the office has edited are left alone. Safe to re-run."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--reindex",
            action="store_true",
            help="also re-segment every entry and rebuild the search vocabulary",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        result = pocketbook_load()
        self.stdout.write(
            f"pocket book: {result.chapters} chapters, {result.created} entries created, "
            f"{result.kept} already there"
        )
        if options["reindex"]:
            from zoufang.knowledge.search.index import reindex_all

            self.stdout.write(f"pocket book: {reindex_all()} entries re-indexed")
