# ruff: noqa: S608 - table and column names come from constants in this module; values
# are always query parameters.
"""Set-based loading of prepared rows (see importers.py) into the registry tables.

One staging table per run (a temporary table on the job's connection). Per batch:
COPY (PostgreSQL) or executemany (SQLite) into it, then plain SQL that both databases run:
reject duplicates and out-of-jurisdiction rows, write history rows for every changed field of
existing records, UPDATE … FROM the staging table where something differs, INSERT … WHERE NOT
EXISTS for the new ones. A blank cell never erases a stored value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from zoufang.registry.importers import Rejection, Spec
from zoufang.registry.models import Place

# How a column's new value is derived from the staging row (s) and the stored one (t).
KEEP_BLANK, KEEP_NULL, ALWAYS = "keep_blank", "keep_null", "always"


@dataclass(frozen=True)
class Col:
    name: str  # column in the target table
    src: str  # expression on the staging row
    mode: str = KEEP_BLANK
    bool_: bool = False


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


def _targets(spec: Spec, stage: str) -> list[Target]:
    # The last row of the batch for each address (marked when the batch is staged) carries
    # the place's and the household's values.
    last_place = "s.last_place"
    kind = {"household": Place.Kind.DWELLING, "shop": Place.Kind.SHOP}.get(
        spec.kind, Place.Kind.ENTERPRISE
    )
    place_cols = [
        Col("road", "s.road"),
        Col("house_number", "s.house_number"),
        Col("building", "s.building"),
        Col("entrance", "s.entrance"),
        Col("room", "s.room"),
        Col("address", "s.address"),
    ]
    if spec.kind == "shop":
        place_cols += [Col("shop_kind", "s.shop_kind"), Col("name", "s.name")]
    elif spec.kind == "enterprise":
        place_cols += [Col("enterprise_category", "s.category"), Col("name", "s.name")]
    place_extra = {
        "beat_id": "s.beat_id",
        "unit_path": "s.unit_path",
        "address_code": "s.address_code",
        "kind": f"'{kind}'",
        "key_place_kind": "''",
        "is_active": "TRUE",
    } | {
        name: "''"
        for name in ("shop_kind", "enterprise_category", "name")
        if name not in {c.name for c in place_cols}
    }
    targets = [
        Target(
            "place",
            "registry_place",
            f"{stage} s WHERE {last_place}",
            "t.address_code = s.address_code",
            tuple(place_cols),
            insert_extra=place_extra,
        )
    ]
    with_place = f"{stage} s JOIN registry_place pl ON pl.address_code = s.address_code"
    if spec.kind == "household":
        targets.append(
            Target(
                "household",
                "registry_household",
                f"{with_place} WHERE {last_place}",
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
        )
        targets.append(
            Target(
                "person",
                "registry_person",
                f"{with_place} JOIN registry_household h ON h.place_id = pl.id WHERE 1 = 1",
                # The unique index on id_hash is partial (blank hashes excluded): the
                # condition must say so for the planner to use it (else: a full scan).
                "t.id_hash = s.id_hash AND t.id_hash <> ''",
                (
                    Col("name", "s.name"),
                    Col("relation", "s.relation"),
                    Col("registered_address", "s.registered_address"),
                    Col("actual_address", "s.actual_address"),
                    Col("separated", "s.separated", ALWAYS, bool_=True),
                    Col("living_since", "s.living_since", KEEP_NULL),
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
                },
            )
        )
        return targets
    org_cols = [
        Col("name", "s.name"),
        Col("credit_code", "s.credit_code"),
        Col("contact_name", "s.contact_name"),
        Col("key_industry", "s.key_industry", KEEP_NULL, bool_=True),
        Col("key_items", "s.key_items", KEEP_NULL, bool_=True),
        Col("key_persons", "s.key_persons", KEEP_NULL, bool_=True),
        Col("opened_on", "s.opened_on", KEEP_NULL),
    ]
    if spec.kind == "shop":
        org_cols += [
            Col(c, f"s.{c}")
            for c in (
                "business_scope",
                "operating_mode",
                "goods_source",
                "sales_destination",
                "owner_staff",
            )
        ]
    else:
        org_cols += [
            Col("category", "s.category"),
            Col("nature", "s.nature"),
            Col("staff_count", "s.staff_count", KEEP_NULL),
            Col("staff_composition", "s.staff_composition"),
            Col("security_org", "s.security_org"),
            Col("protective_measures", "s.protective_measures"),
            Col("vital_parts", "s.vital_parts"),
        ]
    defaults = {"key_industry": "FALSE", "key_items": "FALSE", "key_persons": "FALSE"}
    targets.append(
        Target(
            spec.kind,
            f"registry_{spec.kind}",
            f"{with_place} WHERE {last_place}",
            "t.place_id = pl.id",
            tuple(org_cols),
            (
                Secret(
                    "contact_phone",
                    "contact_phone_enc",
                    "contact_phone_masked",
                    "contact_phone_hash",
                ),
            ),
            insert_extra={"place_id": "pl.id", "unit_path": "s.unit_path"}
            | {k: f"COALESCE(s.{k}, {v})" for k, v in defaults.items()},
        )
    )
    return targets


def _new(col: Col) -> str:
    if col.mode == KEEP_BLANK:
        return f"COALESCE(NULLIF({col.src}, ''), t.{col.name})"
    if col.mode == KEEP_NULL:
        return f"COALESCE({col.src}, t.{col.name})"
    return col.src


def _text(expr: str, bool_: bool) -> str:
    if bool_:
        return f"(CASE WHEN ({expr}) IS NULL THEN '' WHEN ({expr}) THEN '是' ELSE '否' END)"
    return f"COALESCE(CAST(({expr}) AS TEXT), '')"


def _secret_diff(sec: Secret) -> str:
    if sec.hash:
        return f"(s.{sec.hash} <> '' AND s.{sec.hash} <> t.{sec.hash})"
    return f"(s.{sec.masked} <> '' AND s.{sec.masked} <> t.{sec.masked})"


def _insert_columns(target: Target) -> dict[str, str]:
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


_ANALYZE_COLUMNS = {
    "registry_place": ("address_code", "unit_path", "kind"),
    "registry_household": ("place_id",),
    "registry_person": ("id_hash", "unit_path", "household_id"),
}


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class Staged:
    """A batch ready for the staging table: COPY text (PostgreSQL) or row tuples (SQLite)."""

    count: int
    data: bytes | list[tuple]


# COPY's text format, written here rather than by psycopg's Copy.write_row so that the reader
# thread can do it (write_row needs the connection's cursor, which belongs to the other
# thread). Only the four characters that text format escapes are escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    return str(value)  # int, date


def _copy_line(row: tuple) -> str:
    # Quick way first: every value as text, NULL as \N; the line is right as it stands when
    # it holds exactly the tabs between the values and the backslashes of the NULLs (no value
    # held a tab, a newline or a backslash). Otherwise every value is escaped.
    line = "\t".join([v if v.__class__ is str else _copy_value(v) for v in row])
    if (
        line.count("\t") == len(row) - 1
        and line.count("\\") == row.count(None)
        and "\n" not in line
        and "\r" not in line
    ):
        return line + "\n"
    return "\t".join(map(_copy_value, row)) + "\n"


class Loader:
    def __init__(self, spec: Spec, *, job_id: int | None, actor_id: int | None, scope_path: str):
        self.spec = spec
        self.job_id = job_id
        self.actor_id = actor_id
        self.scope_path = scope_path
        self.stage = f"reg_stage_{spec.kind}"
        self.cols = [name for name, _ in spec.stage] + ["last_place", "place_separated"]
        # Ids for the records a batch that touches no stored record creates, assigned in the
        # staging table just before it is inserted (_insert_fresh).
        self._sequences: dict[str, str] = {}
        self.touches_places = False
        self.stored_rows: list[int] = []
        self.optimistic = True  # see load_batch
        self._sep_at = self.cols.index("separated") if "separated" in self.cols else None
        self._code_at = self.cols.index("address_code")
        self.pg = connection.vendor == "postgresql"
        self.targets = _targets(spec, self.stage)
        self.primary = self.targets[-1]
        self.labels = {c.key: c.label for c in spec.columns}
        self.batches = 0

    # -- staging --------------------------------------------------------------------------

    def setup(self) -> None:
        types = {"int": "bigint", "text": "text", "bool": "boolean", "date": "date"}
        cols = ", ".join(
            f"{name} {types[t]}"
            for name, t in (
                *self.spec.stage,
                ("last_place", "bool"),
                ("place_separated", "bool"),
            )
        )
        if self.spec.kind == "household":
            cols += ", person_new bigint"
        if self.pg:
            self._temp_buffers()
        with connection.cursor() as cur:
            if self.pg:
                for table in {t.table for t in self.targets}:
                    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    self._sequences[table] = cur.fetchone()[0]
                if self.spec.kind == "household":
                    # Each staged person gets an id as it is copied in; unused ids (rows that
                    # update a stored person) are gaps, nothing more.
                    seq = self._sequences["registry_person"].replace("'", "''")
                    cols += f" DEFAULT nextval('{seq}'::regclass)"
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}")
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}_seen")
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}_old")
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}_addr")
            cur.execute(f"CREATE TEMPORARY TABLE {self.stage} ({cols})")
            cur.execute(
                f"CREATE TEMPORARY TABLE {self.stage}_seen (pid bigint PRIMARY KEY, row_no bigint)"
            )
            cur.execute(f"CREATE TEMPORARY TABLE {self.stage}_old (row_no bigint PRIMARY KEY)")
            cur.execute(
                f"CREATE TEMPORARY TABLE {self.stage}_addr "
                "(a text PRIMARY KEY, place_new bigint, record_new bigint)"
            )

    @staticmethod
    def _temp_buffers() -> None:
        """Temporary tables live in the session's own buffers (temp_buffers, 8 MB by default):
        a 20,000-row staging table and the file's `seen` keys (a million at 1M rows) do not
        fit, and every batch then reads and writes them through the disk. The setting can only
        change before the session first touches a temporary table, so a session that already
        has (a worker's second job) keeps what it got."""
        from django.db import DatabaseError

        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET temp_buffers = '256MB'")
        except DatabaseError:
            pass

    def teardown(self) -> None:
        with connection.cursor() as cur:
            for suffix in ("", "_seen", "_old", "_addr"):
                cur.execute(f"DROP TABLE IF EXISTS {self.stage}{suffix}")

    def stage_rows(self, rows: list[tuple]) -> Staged:
        """Turn a batch of prepared rows into what _fill writes to the staging table: pure
        Python, no database, so the import's reader thread does it while the database loads
        the previous batch (the thread that talks to the database then holds the GIL for
        little more than one write). Marks the last row of each address, which carries the
        place's values, and whether anyone at the address is registered elsewhere."""
        at, sep = self._code_at, self._sep_at
        separated = {row[at] for row in rows if row[sep]} if sep is not None else set()
        seen: set[str] = set()
        marked = []
        for row in reversed(rows):
            code = row[at]
            marked.append((*row, code not in seen, code in separated))
            seen.add(code)
        marked.reverse()
        if not self.pg:
            return Staged(len(marked), marked)
        return Staged(len(marked), "".join(map(_copy_line, marked)).encode())

    def _empty(self, cur: Any, *suffixes: str) -> None:
        """Empty staging tables. TRUNCATE on PostgreSQL: nothing vacuums temporary tables, so
        rows removed with DELETE would stay as dead tuples that every later batch scans."""
        for suffix in suffixes:
            verb = "TRUNCATE" if self.pg else "DELETE FROM"
            cur.execute(f"{verb} {self.stage}{suffix}")

    def _fill(self, cur: Any, staged: Staged) -> None:
        self._empty(cur, "", "_old")
        names = ", ".join(self.cols)
        if self.pg:
            with cur.cursor.copy(f"COPY {self.stage} ({names}) FROM STDIN") as copy:
                copy.write(staged.data)
        else:
            marks = ", ".join(["%s"] * len(self.cols))
            cur.executemany(f"INSERT INTO {self.stage} ({names}) VALUES ({marks})", staged.data)

    # -- rejections -----------------------------------------------------------------------

    def _keys(self) -> list[tuple[str, str]]:
        if self.spec.kind == "household":
            return [("id_hash", "id_number")]
        return [("address_code", "address_code"), ("credit_code", "credit_code")]

    def _reject(self, cur: Any, *, stored: bool = True) -> list[Rejection]:
        """Find the batch's rows that must not be loaded, delete them from the staging table
        and say why. Also notes what the batch touches of the stored registry: whether any of
        its addresses exists (`self.touches_places`) and which rows are stored persons
        (`self.stored_rows`), so that load_batch need not look again.

        A row whose key an earlier batch of the file had is found through the stored record
        that batch wrote (`<stage>_seen` maps its id to the file row): one index probe per
        row that hits a stored record, and nothing for the rows of a fresh load.

        With `stored=False` only what the batch itself shows is checked (the optimistic
        first try of load_batch, where the unique indexes stand in for the look-ups)."""
        st = self.stage
        found: dict[int, Rejection] = {}

        def add(row_no: int, column: str, value: Any, reason: str) -> None:
            if row_no not in found:
                found[row_no] = Rejection(
                    int(row_no), self.labels.get(column, column), str(value or "")[:255], reason
                )

        def duplicate(first: int) -> str:
            return _("Duplicate of row %(n)s in this file.") % {"n": first}

        for key, column in self._keys():
            shown = "s.id_masked" if key == "id_hash" else f"s.{key}"
            cur.execute(
                f"SELECT s.row_no, {shown}, f.r FROM {st} s JOIN (SELECT {key}, MIN(row_no) r "
                f"FROM {st} WHERE {key} <> '' GROUP BY {key}) f ON f.{key} = s.{key} "
                "WHERE s.row_no > f.r"
            )
            for row_no, value, first in cur.fetchall():
                add(row_no, column, value, duplicate(first))
        household = self.spec.kind == "household"
        kind = self.targets[0].insert_extra["kind"]
        seen_place = "" if household else f"LEFT JOIN {st}_seen seen ON seen.pid = t.id"
        places: list[tuple] = []
        if stored:
            cur.execute(
                f"SELECT s.row_no, s.address_code, t.unit_path <> s.unit_path, t.kind <> {kind}, "
                f"{'NULL' if household else 'seen.row_no'} FROM {st} s "
                f"JOIN registry_place t ON t.address_code = s.address_code {seen_place}"
            )
            places = cur.fetchall()
        self.touches_places = bool(places)
        persons: list[tuple] = []
        if household and stored:
            cur.execute(
                f"SELECT s.row_no, s.id_masked, t.unit_path LIKE %s, seen.row_no FROM {st} s "
                "JOIN registry_person t ON t.id_hash = s.id_hash AND t.id_hash <> '' "
                f"LEFT JOIN {st}_seen seen ON seen.pid = t.id",
                [self.scope_path + "%"],
            )
            persons = cur.fetchall()
            for row_no, shown, _inside, first in persons:
                if first is not None:
                    add(row_no, "id_number", shown, duplicate(first))
        for row_no, code, other_beat, other_kind, first in places:
            if first is not None:
                add(row_no, "address_code", code, duplicate(first))
            elif other_beat:
                add(row_no, "address_code", code, _("This address code belongs to another beat."))
            elif other_kind:
                add(
                    row_no,
                    "address_code",
                    code,
                    _("This address is registered as another kind of place."),
                )
        stored: list[int] = []
        for row_no, shown, inside, _first in persons:
            if inside:
                stored.append(row_no)
            else:
                add(
                    row_no,
                    "id_number",
                    shown,
                    _(
                        "This person is registered in another jurisdiction; it must be moved "
                        "there first."
                    ),
                )
        if not household:
            cur.execute(
                f"SELECT s.row_no, s.credit_code, t.id FROM {st} s JOIN registry_{self.spec.kind} t "
                "ON t.credit_code = s.credit_code JOIN registry_place pl ON pl.id = t.place_id "
                "WHERE s.credit_code <> '' AND pl.address_code <> s.address_code"
            )
            for row_no, code, _other in cur.fetchall():
                add(
                    row_no,
                    "credit_code",
                    code,
                    _("This credit code belongs to another record at another address."),
                )
        self.stored_rows = [n for n in stored if n not in found]
        if found:
            numbers = sorted(found)
            for i in range(0, len(numbers), 500):
                chunk = numbers[i : i + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cur.execute(f"DELETE FROM {st} WHERE row_no IN ({marks})", chunk)
            # A rejected row may have been the last of its address: the place's values now
            # come from the last row that stays.
            cur.execute(
                f"UPDATE {st} SET last_place = TRUE WHERE NOT last_place AND row_no IN "
                f"(SELECT MAX(row_no) FROM {st} GROUP BY address_code)"
            )
        return [found[n] for n in sorted(found)]

    def _remember(self, cur: Any, fresh: bool) -> None:
        """Map the records this batch wrote to their file rows, for the later batches'
        duplicate check: persons for a household file, places for a shop or enterprise file.
        A fresh batch's ids are in the staging tables and ascend (cheap appends to the index)."""
        st = self.stage
        if self.spec.kind == "household":
            source = (
                f"SELECT s.person_new, s.row_no FROM {st} s"
                if fresh
                else f"SELECT p.id, s.row_no FROM {st} s JOIN registry_person p "
                "ON p.id_hash = s.id_hash AND p.id_hash <> ''"
            )
        else:
            source = (
                f"SELECT x.place_new, s.row_no FROM {st} s JOIN {st}_addr x ON x.a = s.address_code"
                if fresh
                else f"SELECT pl.id, s.row_no FROM {st} s JOIN registry_place pl "
                "ON pl.address_code = s.address_code"
            )
        cur.execute(f"INSERT INTO {st}_seen (pid, row_no) {source}")

    # -- writing --------------------------------------------------------------------------

    def _history(self, cur: Any, target: Target, now: Any) -> None:
        from_t = f"JOIN {target.table} t ON {target.match}"
        source = target.source.replace(" WHERE ", f" {from_t} WHERE ", 1)
        for col in target.cols:
            new = _new(col)
            cur.execute(
                f"INSERT INTO registry_change (entity, object_id, unit_path, field, old, new, "
                f"actor_id, source, reference, job_id, created_at) "
                f"SELECT %s, t.id, t.unit_path, %s, {_text('t.' + col.name, col.bool_)}, "
                f"{_text(new, col.bool_)}, %s, 'import', CAST(s.row_no AS TEXT), %s, %s "
                f"FROM {source} AND t.{col.name} IS DISTINCT FROM {new}",
                [target.entity, col.name.removesuffix("_id"), self.actor_id, self.job_id, now],
            )
        for sec in target.secrets:
            cur.execute(
                f"INSERT INTO registry_change (entity, object_id, unit_path, field, old, new, "
                f"actor_id, source, reference, job_id, created_at) "
                f"SELECT %s, t.id, t.unit_path, %s, t.{sec.masked}, s.{sec.masked}, %s, "
                f"'import', CAST(s.row_no AS TEXT), %s, %s FROM {source} AND {_secret_diff(sec)}",
                [target.entity, sec.label, self.actor_id, self.job_id, now],
            )

    def _update(self, cur: Any, target: Target, now: Any) -> None:
        sets = [f"{c.name} = {_new(c)}" for c in target.cols]
        diffs = [f"t.{c.name} IS DISTINCT FROM {_new(c)}" for c in target.cols]
        for sec in target.secrets:
            cond = _secret_diff(sec)
            for column in (sec.enc, sec.masked, *([sec.hash] if sec.hash else [])):
                sets.append(f"{column} = CASE WHEN {cond} THEN s.{column} ELSE t.{column} END")
            diffs.append(cond)
        # UPDATE … FROM: the target may not appear in FROM, so the source's WHERE moves here.
        src_from, _sep, src_where = target.source.partition(" WHERE ")
        cur.execute(
            f"UPDATE {target.table} AS t SET {', '.join(sets)}, updated_at = %s "
            f"FROM {src_from} WHERE {src_where} AND {target.match} AND ({' OR '.join(diffs)})",
            [now],
        )

    def _insert(self, cur: Any, target: Target, now: Any) -> None:
        cols = _insert_columns(target)
        cols["created_at"] = "%s"
        cols["updated_at"] = "%s"
        match = target.match.replace("t.", "t1.")
        cur.execute(
            f"INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} "
            f"FROM {target.source} AND NOT EXISTS (SELECT 1 FROM {target.table} t1 WHERE {match})",
            [now, now],
        )

    def _assign_ids(self, cur: Any) -> None:
        """Give the batch's new records their ids: one row per address in `<stage>_addr` with
        the place's and the household's (shop's, enterprise's) ids. On PostgreSQL they come
        from the tables' sequences, like the persons' ids (the staging column's default); on
        SQLite from above the largest id (a second writer would make this transaction fail
        when it writes, not collide)."""
        st = self.stage
        record = f"registry_{self.spec.kind}"
        self._empty(cur, "_addr")
        if self.pg:
            cur.execute(
                f"INSERT INTO {st}_addr (a, place_new, record_new) SELECT address_code, "
                f"nextval(%s::regclass), nextval(%s::regclass) FROM {st} WHERE last_place",
                [self._sequences["registry_place"], self._sequences[record]],
            )
            cur.execute(f"ANALYZE {st}_addr")
            return
        bases = []
        for table in ("registry_place", record, "registry_person"):
            cur.execute(
                f"SELECT MAX(v) FROM (SELECT MAX(id) v FROM {table} UNION ALL "
                "SELECT seq FROM sqlite_sequence WHERE name = %s)",
                [table],
            )
            bases.append(cur.fetchone()[0] or 0)
        cur.execute(
            f"INSERT INTO {st}_addr (a, place_new, record_new) SELECT address_code, "
            "%s + ROW_NUMBER() OVER (ORDER BY row_no), %s + ROW_NUMBER() OVER (ORDER BY row_no) "
            f"FROM {st} WHERE last_place",
            bases[:2],
        )
        if self.spec.kind == "household":
            cur.execute(
                f"UPDATE {st} SET person_new = x.n FROM (SELECT row_no r, "
                f"%s + ROW_NUMBER() OVER (ORDER BY row_no) n FROM {st}) x WHERE x.r = {st}.row_no",
                [bases[2]],
            )

    def _insert_fresh(self, cur: Any, target: Target, now: Any) -> None:
        """Insert a batch that touches no stored record: the ids were assigned in the staging
        tables, so no row looks up the registry tables and no anti-join is needed."""
        st = self.stage
        cols = _insert_columns(target)
        source = f"{st} s JOIN {st}_addr x ON x.a = s.address_code WHERE s.last_place"
        if target.entity == "place":
            cols["id"] = "x.place_new"
        elif target.entity == "household":
            # The householder: the last remaining row of the address that says so.
            cols |= {"id": "x.record_new", "place_id": "x.place_new", "householder_id": "hh.pid"}
            source = (
                f"{st} s JOIN {st}_addr x ON x.a = s.address_code "
                f"LEFT JOIN (SELECT address_code a, MAX(person_new) pid FROM {st} "
                "WHERE relation = 'householder' GROUP BY address_code) hh "
                "ON hh.a = s.address_code WHERE s.last_place"
            )
        elif target.entity == "person":
            cols |= {"id": "s.person_new", "household_id": "x.record_new"}
            source = f"{st} s JOIN {st}_addr x ON x.a = s.address_code WHERE 1 = 1"
        else:
            cols |= {"id": "x.record_new", "place_id": "x.place_new"}
        cols["created_at"] = "%s"
        cols["updated_at"] = "%s"
        cur.execute(
            f"INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} "
            f"FROM {source}",
            [now, now],
        )

    def load_batch(self, staged: Staged, *, now: Any) -> BatchResult:
        """Load one batch; the caller wraps it in a transaction."""
        result = BatchResult()
        with connection.cursor() as cur:
            self._fill(cur, staged)
            if self.optimistic:
                # Most batches of a first load touch no stored record: try that without
                # looking anything up. A stored address or person then breaks a unique index
                # (address code, the household's place, the ID number hash), the savepoint
                # undoes the try, and the batch goes the careful way below.
                try:
                    with transaction.atomic():
                        result.rejections = self._reject(cur, stored=False)
                        cur.execute(f"SELECT COUNT(*) FROM {self.stage}")
                        accepted = cur.fetchone()[0]
                        if accepted:
                            self._assign_ids(cur)
                            for target in self.targets:
                                self._insert_fresh(cur, target, now)
                            self._remember(cur, fresh=True)
                            self._analyze(cur)
                    result.created = accepted
                    return result
                except IntegrityError:
                    self.optimistic = False
            result.rejections = self._reject(cur)
            cur.execute(f"SELECT COUNT(*) FROM {self.stage}")
            accepted = cur.fetchone()[0]
            if not accepted:
                return result
            if self.spec.kind == "household":
                # Rows whose person is stored already (the person is the primary record).
                if self.stored_rows:
                    cur.executemany(
                        f"INSERT INTO {self.stage}_old (row_no) VALUES (%s)",
                        [(n,) for n in self.stored_rows],
                    )
                existing = len(self.stored_rows)
            elif self.touches_places:
                primary = self.primary
                p_from = primary.source.replace(
                    " WHERE ", f" JOIN {primary.table} t ON {primary.match} WHERE ", 1
                )
                cur.execute(f"INSERT INTO {self.stage}_old (row_no) SELECT s.row_no FROM {p_from}")
                cur.execute(f"SELECT COUNT(*) FROM {self.stage}_old")
                existing = cur.fetchone()[0]
            else:
                existing = 0
            # Any stored record touched? A fresh batch skips the history and update passes.
            any_place = self.touches_places
            if any_place or existing:
                for target in self.targets:
                    self._history(cur, target, now)
                    self._update(cur, target, now)
                    self._insert(cur, target, now)
                if self.spec.kind == "household":
                    self._household_links(cur, now)
                self._remember(cur, fresh=False)
            else:
                self._assign_ids(cur)
                for target in self.targets:
                    self._insert_fresh(cur, target, now)
                self._remember(cur, fresh=True)
            # The next batch tries the quick way again once one touched nothing stored.
            self.optimistic = not (any_place or existing)
            self._analyze(cur)
            if existing:
                cur.execute(
                    "SELECT COUNT(DISTINCT reference) FROM registry_change WHERE job_id = %s "
                    f"AND created_at = %s AND reference IN (SELECT CAST(row_no AS TEXT) FROM {self.stage}_old)",
                    [self.job_id, now],
                )
                result.updated = cur.fetchone()[0]
            result.created = accepted - existing
            result.unchanged = existing - result.updated
        return result

    def _analyze(self, cur: Any) -> None:
        self.batches += 1
        if self.pg and self.batches & (self.batches - 1) == 0:
            # A bulk load changes the tables' sizes by orders of magnitude; without fresh
            # statistics the planner keeps the plans of an empty table (nested loops).
            # Only the columns the load joins and filters on: a third of the cost of the
            # whole tables (encrypted and free-text columns are the wide ones).
            tables = ", ".join(
                f"{table} ({', '.join(_ANALYZE_COLUMNS.get(table, ('place_id', 'credit_code')))})"
                for table in dict.fromkeys(t.table for t in self.targets)
            )
            cur.execute(f"ANALYZE {tables}")

    def _household_links(self, cur: Any, now: Any) -> None:
        st = self.stage
        who = (
            f"{st} s JOIN registry_person p ON p.id_hash = s.id_hash AND p.id_hash <> '' "
            "JOIN registry_place pl ON pl.address_code = s.address_code "
            "JOIN registry_household t ON t.place_id = pl.id "
            "WHERE s.relation = 'householder' AND t.householder_id IS DISTINCT FROM p.id"
        )
        cur.execute(
            "INSERT INTO registry_change (entity, object_id, unit_path, field, old, new, "
            "actor_id, source, reference, job_id, created_at) "
            "SELECT 'household', t.id, t.unit_path, 'householder', "
            "COALESCE(CAST(t.householder_id AS TEXT), ''), p.name, %s, 'import', "
            f"CAST(s.row_no AS TEXT), %s, %s FROM {who} AND t.householder_id IS NOT NULL",
            [self.actor_id, self.job_id, now],
        )
        cur.execute(
            "UPDATE registry_household AS t SET householder_id = p.id, updated_at = %s "
            f"FROM {st} s JOIN registry_person p ON p.id_hash = s.id_hash AND p.id_hash <> '' "
            "JOIN registry_place pl ON pl.address_code = s.address_code "
            "WHERE t.place_id = pl.id AND s.relation = 'householder' "
            "AND t.householder_id IS DISTINCT FROM p.id",
            [now],
        )
        # 人户分离 of the household: any resident registered elsewhere.
        flag = (
            "EXISTS (SELECT 1 FROM registry_person p WHERE p.household_id = t.id AND p.separated)"
        )
        touched = (
            f"t.place_id IN (SELECT pl.id FROM registry_place pl JOIN {st} s "
            "ON pl.address_code = s.address_code)"
        )
        cur.execute(
            "INSERT INTO registry_change (entity, object_id, unit_path, field, old, new, "
            "actor_id, source, reference, job_id, created_at) "
            f"SELECT 'household', t.id, t.unit_path, 'separated', "
            f"CASE WHEN t.separated THEN '是' ELSE '否' END, CASE WHEN {flag} THEN '是' ELSE '否' END, "
            f"%s, 'import', '', %s, %s FROM registry_household t WHERE {touched} "
            f"AND t.separated <> {flag} AND t.created_at < %s",
            [self.actor_id, self.job_id, now, now],
        )
        cur.execute(
            f"UPDATE registry_household AS t SET separated = {flag}, updated_at = %s "
            f"WHERE {touched} AND t.separated <> {flag}",
            [now],
        )
