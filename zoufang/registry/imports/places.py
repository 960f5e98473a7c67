# ruff: noqa: S608 - table and column names come from constants in this module and in
# imports.targets; values are always query parameters.
"""Set-based loading of household, shop and enterprise files (rows prepared by imports.rows)
into the registry tables: `PlaceLoader`.

One staging table per run (a temporary table on the job's connection). Per batch:
COPY (PostgreSQL) or executemany (SQLite) into it, then plain SQL that both databases run:
reject duplicates and out-of-jurisdiction rows, write history rows for every changed field of
existing records, UPDATE … FROM the staging table where something differs, INSERT … WHERE NOT
EXISTS for the new ones. A blank cell never erases a stored value. The tables and columns each
kind writes are in imports.targets.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from zoufang.registry.imports.specs import Rejection, Spec
from zoufang.registry.imports.staging import (
    CHANGE_INSERT,
    BatchResult,
    Found,
    Staged,
    StagingLoader,
    as_text,
    duplicate_reason,
    new_value,
)
from zoufang.registry.imports.targets import Target, insert_columns, secret_diff, targets

_ANALYZE_COLUMNS = {
    "registry_place": ("address_code", "unit_path", "kind"),
    "registry_household": ("place_id",),
    "registry_person": ("id_hash", "unit_path", "household_id"),
}


class PlaceLoader(StagingLoader):
    """Households (with their places and persons), shops and enterprises (with their places)."""

    kinds = frozenset({"household", "shop", "enterprise"})
    suffixes = ("", "_seen", "_old", "_addr")

    def __init__(self, spec: Spec, *, job_id: int | None, actor_id: int | None, scope_path: str):
        super().__init__(spec, job_id=job_id, actor_id=actor_id, scope_path=scope_path)
        self.cols += ["last_place", "place_separated"]
        # Ids for the records a batch that touches no stored record creates, assigned in the
        # staging table just before it is inserted (_insert_fresh).
        self._sequences: dict[str, str] = {}
        self.touches_places = False
        self.stored_rows: list[int] = []
        self.optimistic = True  # see load_batch
        self._sep_at = self.cols.index("separated") if "separated" in self.cols else None
        self._code_at = self.cols.index("address_code")
        self.targets = targets(spec, self.stage)
        self.primary = self.targets[-1]
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
            self._drop(cur)
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
        return self._encode(marked)

    def _fill(self, cur: Any, staged: Staged) -> None:
        self._empty(cur, "", "_old")
        self._write(cur, staged)

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
        found = Found(self.labels)
        self._reject_repeats_in_batch(cur, found)
        household = self.spec.kind == "household"
        places = self._stored_places(cur) if stored else []
        self.touches_places = bool(places)
        persons = self._stored_persons(cur) if household and stored else []
        for row_no, shown, _inside, first in persons:
            if first is not None:
                found.add(row_no, "id_number", shown, duplicate_reason(first))
        self._reject_places(places, found)
        inside_rows = self._reject_persons_elsewhere(persons, found)
        if not household:
            self._reject_credit_code_clashes(cur, found)
        self.stored_rows = [n for n in inside_rows if n not in found]
        if found:
            self._delete_rows(cur, sorted(found))
            # A rejected row may have been the last of its address: the place's values now
            # come from the last row that stays.
            cur.execute(
                f"UPDATE {self.stage} SET last_place = TRUE WHERE NOT last_place AND row_no IN "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"(SELECT MAX(row_no) FROM {self.stage} GROUP BY address_code)"
            )
        return found.in_row_order()

    def _reject_repeats_in_batch(self, cur: Any, found: Found) -> None:
        st = self.stage
        for key, column in self._keys():
            shown = "s.id_masked" if key == "id_hash" else f"s.{key}"
            cur.execute(
                f"SELECT s.row_no, {shown}, f.r FROM {st} s JOIN (SELECT {key}, MIN(row_no) r "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"FROM {st} WHERE {key} <> '' GROUP BY {key}) f ON f.{key} = s.{key} "
                "WHERE s.row_no > f.r"
            )
            for row_no, value, first in cur.fetchall():
                found.add(row_no, column, value, duplicate_reason(first))

    def _stored_places(self, cur: Any) -> list[tuple]:
        """(row, address code, in another beat?, another kind?, file row of an earlier
        batch that wrote it) for each row whose address is stored."""
        st = self.stage
        household = self.spec.kind == "household"
        kind = self.targets[0].insert_extra["kind"]
        seen_place = "" if household else f"LEFT JOIN {st}_seen seen ON seen.pid = t.id"
        cur.execute(
            f"SELECT s.row_no, s.address_code, t.unit_path <> s.unit_path, t.kind <> {kind}, "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"{'NULL' if household else 'seen.row_no'} FROM {st} s "
            f"JOIN registry_place t ON t.address_code = s.address_code {seen_place}"
        )
        return cur.fetchall()

    def _stored_persons(self, cur: Any) -> list[tuple]:
        """(row, masked ID number, inside the job's scope?, file row of an earlier batch that
        wrote it) for each row whose person is stored."""
        st = self.stage
        inside, params = self.scope.sql("t.unit_path")
        cur.execute(
            f"SELECT s.row_no, s.id_masked, {inside}, seen.row_no FROM {st} s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            "JOIN registry_person t ON t.id_hash = s.id_hash AND t.id_hash <> '' "
            f"LEFT JOIN {st}_seen seen ON seen.pid = t.id",
            params,
        )
        return cur.fetchall()

    @staticmethod
    def _reject_places(places: list[tuple], found: Found) -> None:
        for row_no, code, other_beat, other_kind, first in places:
            if first is not None:
                found.add(row_no, "address_code", code, duplicate_reason(first))
            elif other_beat:
                found.add(
                    row_no, "address_code", code, _("This address code belongs to another beat.")
                )
            elif other_kind:
                found.add(
                    row_no,
                    "address_code",
                    code,
                    _("This address is registered as another kind of place."),
                )

    @staticmethod
    def _reject_persons_elsewhere(persons: list[tuple], found: Found) -> list[int]:
        """Rejects the stored persons outside the job's scope; returns the rows of the others."""
        inside_rows: list[int] = []
        for row_no, shown, inside, _first in persons:
            if inside:
                inside_rows.append(row_no)
            else:
                found.add(
                    row_no,
                    "id_number",
                    shown,
                    _(
                        "This person is registered in another jurisdiction; it must be moved "
                        "there first."
                    ),
                )
        return inside_rows

    def _reject_credit_code_clashes(self, cur: Any, found: Found) -> None:
        cur.execute(
            f"SELECT s.row_no, s.credit_code, t.id FROM {self.stage} s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"JOIN registry_{self.spec.kind} t ON t.credit_code = s.credit_code "
            "JOIN registry_place pl ON pl.id = t.place_id "
            "WHERE s.credit_code <> '' AND pl.address_code <> s.address_code"
        )
        for row_no, code, _other in cur.fetchall():
            found.add(
                row_no,
                "credit_code",
                code,
                _("This credit code belongs to another record at another address."),
            )

    def _remember(self, cur: Any, fresh: bool) -> None:
        """Map the records this batch wrote to their file rows, for the later batches'
        duplicate check: persons for a household file, places for a shop or enterprise file.
        A fresh batch's ids are in the staging tables and ascend (cheap appends to the index)."""
        st = self.stage
        if self.spec.kind == "household":
            source = (
                f"SELECT s.person_new, s.row_no FROM {st} s"  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                if fresh
                else f"SELECT p.id, s.row_no FROM {st} s JOIN registry_person p "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                "ON p.id_hash = s.id_hash AND p.id_hash <> ''"
            )
        else:
            source = (
                f"SELECT x.place_new, s.row_no FROM {st} s JOIN {st}_addr x ON x.a = s.address_code"  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                if fresh
                else f"SELECT pl.id, s.row_no FROM {st} s JOIN registry_place pl "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                "ON pl.address_code = s.address_code"
            )
        cur.execute(f"INSERT INTO {st}_seen (pid, row_no) {source}")

    # -- writing --------------------------------------------------------------------------

    def _history(self, cur: Any, target: Target, now: Any) -> None:
        from_t = f"JOIN {target.table} t ON {target.match}"
        source = target.source.replace(" WHERE ", f" {from_t} WHERE ", 1)
        for col in target.cols:
            new = new_value(col)
            self._history_of(
                cur,
                entity=target.entity,
                field=col.name.removesuffix("_id"),
                old=as_text("t." + col.name, col.bool_),
                new=as_text(new, col.bool_),
                rows=f"{source} AND t.{col.name} IS DISTINCT FROM {new}",
                now=now,
            )
        for sec in target.secrets:
            self._history_of(
                cur,
                entity=target.entity,
                field=sec.label,
                old=f"t.{sec.masked}",
                new=f"s.{sec.masked}",
                rows=f"{source} AND {secret_diff(sec)}",
                now=now,
            )

    def _update(self, cur: Any, target: Target, now: Any) -> None:
        sets = [f"{c.name} = {new_value(c)}" for c in target.cols]
        diffs = [f"t.{c.name} IS DISTINCT FROM {new_value(c)}" for c in target.cols]
        for sec in target.secrets:
            cond = secret_diff(sec)
            for column in (sec.enc, sec.masked, *([sec.hash] if sec.hash else [])):
                sets.append(f"{column} = CASE WHEN {cond} THEN s.{column} ELSE t.{column} END")
            diffs.append(cond)
        # UPDATE … FROM: the target may not appear in FROM, so the source's WHERE moves here.
        src_from, _sep, src_where = target.source.partition(" WHERE ")
        cur.execute(
            f"UPDATE {target.table} AS t SET {', '.join(sets)}, updated_at = %s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"FROM {src_from} WHERE {src_where} AND {target.match} AND ({' OR '.join(diffs)})",
            [now],
        )

    def _insert(self, cur: Any, target: Target, now: Any) -> None:
        cols = insert_columns(target)
        cols["created_at"] = "%s"
        cols["updated_at"] = "%s"
        match = target.match.replace("t.", "t1.")
        cur.execute(
            f"INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
                f"INSERT INTO {st}_addr (a, place_new, record_new) SELECT address_code, "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"nextval(%s::regclass), nextval(%s::regclass) FROM {st} WHERE last_place",
                [self._sequences["registry_place"], self._sequences[record]],
            )
            cur.execute(f"ANALYZE {st}_addr")
            return
        bases = []
        for table in ("registry_place", record, "registry_person"):
            cur.execute(
                f"SELECT MAX(v) FROM (SELECT MAX(id) v FROM {table} UNION ALL "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                "SELECT seq FROM sqlite_sequence WHERE name = %s)",
                [table],
            )
            bases.append(cur.fetchone()[0] or 0)
        cur.execute(
            f"INSERT INTO {st}_addr (a, place_new, record_new) SELECT address_code, "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            "%s + ROW_NUMBER() OVER (ORDER BY row_no), %s + ROW_NUMBER() OVER (ORDER BY row_no) "
            f"FROM {st} WHERE last_place",
            bases[:2],
        )
        if self.spec.kind == "household":
            cur.execute(
                f"UPDATE {st} SET person_new = x.n FROM (SELECT row_no r, "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                f"%s + ROW_NUMBER() OVER (ORDER BY row_no) n FROM {st}) x WHERE x.r = {st}.row_no",
                [bases[2]],
            )

    def _insert_fresh(self, cur: Any, target: Target, now: Any) -> None:
        """Insert a batch that touches no stored record: the ids were assigned in the staging
        tables, so no row looks up the registry tables and no anti-join is needed."""
        st = self.stage
        cols = insert_columns(target)
        source = f"{st} s JOIN {st}_addr x ON x.a = s.address_code WHERE s.last_place"
        if target.entity == "place":
            cols["id"] = "x.place_new"
        elif target.entity == "household":
            # The householder: the last remaining row of the address that says so.
            cols |= {"id": "x.record_new", "place_id": "x.place_new", "householder_id": "hh.pid"}
            source = (
                f"{st} s JOIN {st}_addr x ON x.a = s.address_code "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
            f"INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join(cols.values())} "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
                        cur.execute(f"SELECT COUNT(*) FROM {self.stage}")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
            cur.execute(f"SELECT COUNT(*) FROM {self.stage}")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            accepted = cur.fetchone()[0]
            if not accepted:
                return result
            if self.spec.kind == "household":
                # Rows whose person is stored already (the person is the primary record).
                if self.stored_rows:
                    cur.executemany(
                        f"INSERT INTO {self.stage}_old (row_no) VALUES (%s)",  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                        [(n,) for n in self.stored_rows],
                    )
                existing = len(self.stored_rows)
            elif self.touches_places:
                primary = self.primary
                p_from = primary.source.replace(
                    " WHERE ", f" JOIN {primary.table} t ON {primary.match} WHERE ", 1
                )
                cur.execute(f"INSERT INTO {self.stage}_old (row_no) SELECT s.row_no FROM {p_from}")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
                cur.execute(f"SELECT COUNT(*) FROM {self.stage}_old")  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
                    "SELECT COUNT(DISTINCT reference) FROM registry_change WHERE job_id = %s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
        self._history_of(
            cur,
            entity="household",
            field="householder",
            old="COALESCE(CAST(t.householder_id AS TEXT), '')",
            new="p.name",
            rows=f"{who} AND t.householder_id IS NOT NULL",
            now=now,
        )
        cur.execute(
            "UPDATE registry_household AS t SET householder_id = p.id, updated_at = %s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
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
            f"t.place_id IN (SELECT pl.id FROM registry_place pl JOIN {st} s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            "ON pl.address_code = s.address_code)"
        )
        cur.execute(
            f"{CHANGE_INSERT}SELECT 'household', t.id, t.unit_path, 'separated', "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"CASE WHEN t.separated THEN '是' ELSE '否' END, CASE WHEN {flag} THEN '是' ELSE '否' END, "
            f"%s, 'import', '', %s, %s FROM registry_household t WHERE {touched} "
            f"AND t.separated <> {flag} AND t.created_at < %s",
            [self.actor_id, self.job_id, now, now],
        )
        cur.execute(
            f"UPDATE registry_household AS t SET separated = {flag}, updated_at = %s "  # nosec B608 # identifiers from code (our staging/catalog names), values bound
            f"WHERE {touched} AND t.separated <> {flag}",
            [now],
        )
