"""Loading the default kinds catalog and routing tables (default_catalog.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).with_name("default_catalog.toml")


def read_catalog(path: Path = CATALOG_PATH) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def load_catalog(kind_model: Any, rule_model: Any, department_model: Any) -> int:
    """Create the missing kinds and grade rules (existing rows keep the office's edits; a
    missing department is filled in once the department exists). Works with historical
    models in a migration. Returns the number of rows created."""
    data = read_catalog()
    departments = {d.code: d for d in department_model.objects.all()}
    created = 0
    for row in data["grades"]:
        _, new = rule_model.objects.get_or_create(
            grade=row["grade"],
            defaults={
                "owner_level": row["owner_level"],
                "county_co_handles": row.get("county_co_handles", False),
                "deadline_days": row["deadline_days"],
                "escalate_after_days": row["escalate_after_days"],
            },
        )
        created += new
    order = 0

    def upsert(row: dict[str, Any], parent: Any) -> Any:
        nonlocal order, created
        order += 10
        dept = departments.get(row.get("department", ""))
        kind, new = kind_model.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "parent": parent,
                "department": dept,
                "co_handlers": row.get("co_handlers", ""),
                "default_grade": row.get("default_grade", "general"),
                "sensitive": row.get("sensitive", False),
                "sort_order": order,
            },
        )
        created += new
        if not new and kind.department_id is None and dept is not None:
            kind.department = dept
            kind.save(update_fields=["department"])
        return kind

    for row in data["kinds"]:
        parent = upsert(row, None)
        for child in row.get("children", []):
            upsert(child, parent)
    return created


def catalog_sync() -> int:
    from zoufang.findings.models import FindingKind, GradeRule
    from zoufang.org.models import Department

    return load_catalog(FindingKind, GradeRule, Department)
