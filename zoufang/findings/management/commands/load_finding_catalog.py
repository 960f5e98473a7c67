from django.core.management.base import BaseCommand

from zoufang.findings.catalog import catalog_sync


class Command(BaseCommand):
    help = "Create the missing finding kinds and grade rules from default_catalog.toml (existing rows keep their edits)."

    def handle(self, *args: object, **options: object) -> None:
        created = catalog_sync()
        self.stdout.write(f"finding catalog: {created} rows created")
