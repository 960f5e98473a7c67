"""The registry tables a household, shop or enterprise file writes, in order (the place first),
and how each column's new value comes from the staging row: what `places.PlaceLoader` turns
into history, UPDATE and INSERT statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from zoufang.registry.fields import (
    ENTERPRISE_NUMBER_FIELDS,
    ENTERPRISE_OWN_FIELDS,
    ORG_FLAG_FIELDS,
    SHOP_OWN_FIELDS,
)
from zoufang.registry.imports.specs import Spec
from zoufang.registry.imports.staging import ALWAYS, KEEP_BLANK, KEEP_NULL, Col
from zoufang.registry.models import Place

# The last row of the batch for each address (marked when the batch is staged) carries the
# place's and the household's values.
LAST_PLACE = "s.last_place"


@dataclass(frozen=True)
class Secret:
    """An encrypted value: compared by its hash (or masked copy), history kept masked."""

    label: str
    enc: str
    masked: str
    hash: str | None  # staging and target hash column, None: compare the masked copy


@dataclass
class Target:
    entity: str
    table: str
    source: str  # FROM clause over the staging table `s`, possibly joining earlier tables
    match: str  # condition tying a target row `t` to a source row
    cols: tuple[Col, ...]
    secrets: tuple[Secret, ...] = ()
    insert_extra: dict[str, str] = field(default_factory=dict)  # column -> expression


def targets(spec: Spec, stage: str) -> list[Target]:
    with_place = f"{stage} s JOIN registry_place pl ON pl.address_code = s.address_code"
    if spec.kind == "household":
        return [_place(spec, stage), *_household_and_person(with_place)]
    return [_place(spec, stage), _org(spec, with_place)]


def _place(spec: Spec, stage: str) -> Target:
    kind = {"household": Place.Kind.DWELLING, "shop": Place.Kind.SHOP}.get(
        spec.kind, Place.Kind.ENTERPRISE
    )
    cols = [
        Col("road", "s.road"),
        Col("house_number", "s.house_number"),
        Col("building", "s.building"),
        Col("entrance", "s.entrance"),
        Col("room", "s.room"),
        Col("address", "s.address"),
    ]
    if spec.kind == "shop":
        cols += [Col("shop_kind", "s.shop_kind"), Col("name", "s.name")]
    elif spec.kind == "enterprise":
        cols += [Col("enterprise_category", "s.category"), Col("name", "s.name")]
    extra = {
        "beat_id": "s.beat_id",
        "unit_path": "s.unit_path",
        "address_code": "s.address_code",
        "kind": f"'{kind}'",
        "key_place_kind": "''",
        "is_active": "TRUE",
    } | {
        name: "''"
        for name in ("shop_kind", "enterprise_category", "name")
        if name not in {c.name for c in cols}
    }
    return Target(
        "place",
        "registry_place",
        f"{stage} s WHERE {LAST_PLACE}",
        "t.address_code = s.address_code",
        tuple(cols),
        insert_extra=extra,
    )


def _household_and_person(with_place: str) -> list[Target]:
    household = Target(
        "household",
        "registry_household",
        f"{with_place} WHERE {LAST_PLACE}",
        "t.place_id = pl.id",
        (Col("use", "s.use"), Col("landlord_name", "s.landlord_name")),
        (
            Secret(
                "landlord_phone",
                "landlord_phone_enc",
                "landlord_phone_masked",
                "landlord_phone_hash",
            ),
        ),
        insert_extra={
            "place_id": "pl.id",
            "unit_path": "s.unit_path",
            "use": "COALESCE(NULLIF(s.use, ''), 'owner')",
            "tenants": "''",
            "separated": "s.place_separated",
        },
    )
    person = Target(
        "person",
        "registry_person",
        f"{with_place} JOIN registry_household h ON h.place_id = pl.id WHERE 1 = 1",
        # The unique index on id_hash is partial (blank hashes excluded): the condition must
        # say so for the planner to use it (else: a full scan).
        "t.id_hash = s.id_hash AND t.id_hash <> ''",
        (
            Col("name", "s.name"),
            Col("relation", "s.relation"),
            Col("registered_address", "s.registered_address"),
            Col("actual_address", "s.actual_address"),
            Col("separated", "s.separated", ALWAYS, bool_=True),
            Col("living_since", "s.living_since", KEEP_NULL),
            # The roster's extra fields (JSON text staged; jsonb on PostgreSQL).
            Col("extra", _json("s.extra"), KEEP_NULL),
            Col("household_id", "h.id", ALWAYS),
            Col("unit_path", "s.unit_path", ALWAYS),
        ),
        (Secret("phone", "phone_enc", "phone_masked", "phone_hash"),),
        insert_extra={
            "id_enc": "s.id_enc",
            "id_hash": "s.id_hash",
            "id_masked": "s.id_masked",
            "sex": "s.sex",
            "birth_date": "s.birth_date",
            "region_unknown": "s.region_unknown",
        },
    )
    return [household, person]


def _org(spec: Spec, with_place: str) -> Target:
    """The shop or enterprise: the plain fields of registry.fields, from the staging columns
    of the same name."""
    cols = [
        Col("name", "s.name"),
        Col("credit_code", "s.credit_code"),
        Col("contact_name", "s.contact_name"),
        *(Col(f, f"s.{f}", KEEP_NULL, bool_=True) for f in ORG_FLAG_FIELDS),
        Col("opened_on", "s.opened_on", KEEP_NULL),
    ]
    if spec.kind == "shop":
        cols += [Col(f, f"s.{f}") for f in SHOP_OWN_FIELDS]
    else:
        cols += [
            Col(f, f"s.{f}", KEEP_NULL if f in ENTERPRISE_NUMBER_FIELDS else KEEP_BLANK)
            for f in ENTERPRISE_OWN_FIELDS
        ]
    return Target(
        spec.kind,
        f"registry_{spec.kind}",
        f"{with_place} WHERE {LAST_PLACE}",
        "t.place_id = pl.id",
        tuple(cols),
        (
            Secret(
                "contact_phone",
                "contact_phone_enc",
                "contact_phone_masked",
                "contact_phone_hash",
            ),
        ),
        insert_extra={"place_id": "pl.id", "unit_path": "s.unit_path"}
        | {f: f"COALESCE(s.{f}, FALSE)" for f in ORG_FLAG_FIELDS},
    )


def _json(expr: str) -> str:
    return f"CAST({expr} AS jsonb)" if connection.vendor == "postgresql" else expr


def secret_diff(sec: Secret) -> str:
    if sec.hash:
        return f"(s.{sec.hash} <> '' AND s.{sec.hash} <> t.{sec.hash})"
    return f"(s.{sec.masked} <> '' AND s.{sec.masked} <> t.{sec.masked})"


def insert_columns(target: Target) -> dict[str, str]:
    """A new record's columns (target column -> expression on the staging row)."""
    cols: dict[str, str] = {}
    for c in target.cols:
        cols[c.name] = f"COALESCE({c.src}, '')" if c.mode == KEEP_BLANK else c.src
    for sec in target.secrets:
        cols[sec.enc] = f"s.{sec.enc}"
        cols[sec.masked] = f"s.{sec.masked}"
        if sec.hash:
            cols[sec.hash] = f"s.{sec.hash}"
    cols.update(target.insert_extra)
    return cols
