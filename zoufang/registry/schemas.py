from __future__ import annotations

import datetime as dt

from ninja import Schema


class PlaceOut(Schema):
    id: int
    address_code: str
    kind: str
    name: str
    address: str
    beat_id: int
    use: str | None
    separated: bool | None


class PersonOut(Schema):
    id: int
    name: str
    id_number: str  # masked
    phone: str  # masked
    sex: str
    birth_date: dt.date | None
    relation: str
    separated: bool
    place_id: int | None


class PlaceDetailOut(PlaceOut):
    residents: list[PersonOut]


class ChangeOut(Schema):
    entity: str
    field: str
    old: str
    new: str
    source: str
    actor: str | None
    created_at: dt.datetime


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str
    file_name: str
    dry_run: bool
    total_rows: int
    processed_rows: int
    accepted: int
    rejected: int
    created: int
    updated: int
    unchanged: int
    committed_through_row: int
    error: str
    percent: int
