"""manage.py import_boundaries FILE --user NAME: load unit boundaries (GeoJSON) for the map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zoufang.dashboard.boundaries import MAX_BYTES, boundaries_import


class Command(BaseCommand):
    help = (
        "Load unit boundary shapes from a GeoJSON FeatureCollection, each feature matched to "
        "a unit by properties.code (or unit_code / adcode). The units must lie in the "
        "jurisdiction of --user, who must manage them. Nothing is loaded when any feature is "
        "invalid, overlaps a sibling, or matches no unit: every such feature is reported. "
        "Safe to re-run (a unit's shape is replaced)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a GeoJSON file (WGS84 longitude/latitude)")
        parser.add_argument(
            "--user", required=True, help="the login in whose name the shapes are loaded"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {options['user']!r}")
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{path} is larger than {MAX_BYTES >> 20} MB")
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        result = boundaries_import(raw, user=user, source=path.name)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{path.name}: {len(result.problems)} problem(s), nothing was loaded"
            )
        self.stdout.write(f"{path.name}: {len(result.loaded)} unit boundaries loaded")
