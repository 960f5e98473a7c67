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

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
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
                (Secret("landlord_phone", "landlord_phone_enc", "landlord_phone_masked", None),),
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
                "t.id_hash = s.id_hash",
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


class Loader:
    def __init__(self, spec: Spec, *, job_id: int | None, actor_id: int | None, scope_path: str):
        self.spec = spec
        self.job_id = job_id
        self.actor_id = actor_id
        self.scope_path = scope_path
        self.stage = f"reg_stage_{spec.kind}"
        self.cols = [name for name, _ in spec.stage] + ["last_place", "place_separated"]
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
            for name, t in (*self.spec.stage, ("last_place", "bool"), ("place_separated", "bool"))
        )
        if self.pg:
            self._temp_buffers()
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}")
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}_seen")
            cur.execute(f"DROP TABLE IF EXISTS {self.stage}_old")
            cur.execute(f"CREATE TEMPORARY TABLE {self.stage} ({cols})")
            cur.execute(
                f"CREATE TEMPORARY TABLE {self.stage}_seen (k text PRIMARY KEY, row_no bigint)"
            )
            cur.execute(f"CREATE TEMPORARY TABLE {self.stage}_old (row_no bigint PRIMARY KEY)")

    @staticmethod
    def _temp_buffers() -> None:
        """Temporary tables live in the session's own buffers (temp_buffers, 8 MB by default):
        a 20,000-row staging table and the file's `seen` keys (a million at 1M rows) do not
        fit, and every batch then reads and writes them through the disk. The setting can only
        change before the session first touches a temporary table, so a session that already
        has (a worker's second job) keeps what it got."""
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET temp_buffers = '256MB'")
        except DatabaseError:
            pass

    def teardown(self) -> None:
        with connection.cursor() as cur:
            for suffix in ("", "_seen", "_old"):
                cur.execute(f"DROP TABLE IF EXISTS {self.stage}{suffix}")

    def _fill(self, cur: Any, rows: list[tuple]) -> None:
        seen: set[str] = set()
        at, sep = self._code_at, self._sep_at
        separated = {row[at] for row in rows if row[sep]} if sep is not None else set()
        marked = []
        for row in reversed(rows):
            code = row[at]
            marked.append((*row, code not in seen, code in separated))
            seen.add(code)
        marked.reverse()
        rows = marked
        cur.execute(f"DELETE FROM {self.stage}")
        cur.execute(f"DELETE FROM {self.stage}_old")
        names = ", ".join(self.cols)
        if self.pg:
            with cur.cursor.copy(f"COPY {self.stage} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.cols))
            cur.executemany(f"INSERT INTO {self.stage} ({names}) VALUES ({marks})", rows)

    # -- rejections -----------------------------------------------------------------------

    def _keys(self) -> list[tuple[str, str]]:
        if self.spec.kind == "household":
            return [("id_hash", "id_number")]
        return [("address_code", "address_code"), ("credit_code", "credit_code")]

    def _reject(self, cur: Any) -> list[Rejection]:
        st = self.stage
        found: dict[int, Rejection] = {}

        def add(sql: str, params: list, column: str, reason: Any) -> None:
            cur.execute(sql, params)
            for row_no, value, other in cur.fetchall():
                if row_no not in found:
                    found[row_no] = Rejection(
                        int(row_no),
                        self.labels.get(column, column),
                        str(value or "")[:255],
                        reason(other) if callable(reason) else reason,
                    )

        for key, column in self._keys():
            dup = lambda other: _("Duplicate of row %(n)s in this file.") % {"n": other}  # noqa: E731
            shown = "s.id_masked" if key == "id_hash" else f"s.{key}"
            add(
                f"SELECT s.row_no, {shown}, f.r FROM {st} s JOIN (SELECT {key}, MIN(row_no) r "
                f"FROM {st} WHERE {key} <> '' GROUP BY {key}) f ON f.{key} = s.{key} "
                "WHERE s.row_no > f.r",
                [],
                column,
                dup,
            )
            add(
                f"SELECT s.row_no, {shown}, seen.row_no FROM {st} s "
                f"JOIN {st}_seen seen ON seen.k = %s || s.{key} WHERE s.{key} <> ''",
                [key],
                column,
                dup,
            )
        kind = self.targets[0].insert_extra["kind"]
        add(
            f"SELECT s.row_no, s.address_code, t.unit_path FROM {st} s JOIN registry_place t "
            "ON t.address_code = s.address_code WHERE t.unit_path <> s.unit_path",
            [],
            "address_code",
            _("This address code belongs to another beat."),
        )
        add(
            f"SELECT s.row_no, s.address_code, t.kind FROM {st} s JOIN registry_place t "
            f"ON t.address_code = s.address_code WHERE t.kind <> {kind}",
            [],
            "address_code",
            _("This address is registered as another kind of place."),
        )
        if self.spec.kind == "household":
            add(
                f"SELECT s.row_no, s.id_masked, t.unit_path FROM {st} s JOIN registry_person t "
                "ON t.id_hash = s.id_hash WHERE NOT (t.unit_path LIKE %s)",
                [self.scope_path + "%"],
                "id_number",
                _(
                    "This person is registered in another jurisdiction; it must be moved "
                    "there first."
                ),
            )
        else:
            add(
                f"SELECT s.row_no, s.credit_code, t.id FROM {st} s JOIN registry_{self.spec.kind} t "
                "ON t.credit_code = s.credit_code JOIN registry_place pl ON pl.id = t.place_id "
                "WHERE s.credit_code <> '' AND pl.address_code <> s.address_code",
                [],
                "credit_code",
                _("This credit code belongs to another record at another address."),
            )
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
        for key, _column in self._keys():
            cur.execute(
                f"INSERT INTO {st}_seen (k, row_no) SELECT %s || {key}, MIN(row_no) FROM {st} "
                f"WHERE {key} <> '' GROUP BY {key}",
                [key],
            )
        return [found[n] for n in sorted(found)]

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
        cols: dict[str, str] = {}
        for c in target.cols:
            cols[c.name] = f"COALESCE({c.src}, '')" if c.mode == KEEP_BLANK else c.src
        for sec in target.secrets:
            cols[sec.enc] = f"s.{sec.enc}"
            cols[sec.masked] = f"s.{sec.masked}"
            if sec.hash:
                cols[sec.hash] = f"s.{sec.hash}"
        cols.update(target.insert_extra)
        cols["created_at"] = "%s"
        cols["updated_at"] = "%s"
        match = target.match.replace("t.", "t1.")
        cur.execute(
            f"INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} "
            f"FROM {target.source} AND NOT EXISTS (SELECT 1 FROM {target.table} t1 WHERE {match})",
            [now, now],
        )

    def load_batch(self, rows: list[tuple], *, now: Any) -> BatchResult:
        """Load one batch; the caller wraps it in a transaction."""
        result = BatchResult()
        with connection.cursor() as cur:
            self._fill(cur, rows)
            result.rejections = self._reject(cur)
            cur.execute(f"SELECT COUNT(*) FROM {self.stage}")
            accepted = cur.fetchone()[0]
            if not accepted:
                return result
            primary = self.primary
            p_from = primary.source.replace(
                " WHERE ", f" JOIN {primary.table} t ON {primary.match} WHERE ", 1
            )
            cur.execute(f"INSERT INTO {self.stage}_old (row_no) SELECT s.row_no FROM {p_from}")
            cur.execute(f"SELECT COUNT(*) FROM {self.stage}_old")
            existing = cur.fetchone()[0]
            # Any existing record touched? A fresh load skips the history and update passes.
            cur.execute(
                f"SELECT 1 FROM {self.stage} s JOIN registry_place t "
                "ON t.address_code = s.address_code LIMIT 1"
            )
            any_place = cur.fetchone() is not None
            for target in self.targets:
                if any_place or existing:
                    self._history(cur, target, now)
                    self._update(cur, target, now)
                self._insert(cur, target, now)
            if self.spec.kind == "household":
                self._household_links(cur, now, any_place or existing)
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

    def _household_links(self, cur: Any, now: Any, existed: bool) -> None:
        st = self.stage
        who = (
            f"{st} s JOIN registry_person p ON p.id_hash = s.id_hash "
            "JOIN registry_place pl ON pl.address_code = s.address_code "
            "JOIN registry_household t ON t.place_id = pl.id "
            "WHERE s.relation = 'householder' AND t.householder_id IS DISTINCT FROM p.id"
        )
        if existed:
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
            f"FROM {st} s JOIN registry_person p ON p.id_hash = s.id_hash "
            "JOIN registry_place pl ON pl.address_code = s.address_code "
            "WHERE t.place_id = pl.id AND s.relation = 'householder' "
            "AND t.householder_id IS DISTINCT FROM p.id",
            [now],
        )
        if not existed:
            return  # new households got their 人户分离 flag from the batch when inserted
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
