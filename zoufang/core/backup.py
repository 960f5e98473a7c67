"""Backups (`make backup`, `make restore`): the database and the uploaded files in one
encrypted archive, and a restore that proves itself against the archive's manifest.

The archive is a tar holding `manifest.json` (when, which database, and per table its row
count and an order-independent checksum), the database (`pg_dump` custom format on
PostgreSQL, SQLite's online backup otherwise) and `media/`. It is encrypted with AES-256-GCM
in 1 MiB chunks (the `cryptography` package; no home-made cipher): each chunk has its own
nonce (a random prefix and the chunk's number) and the last one is marked in its associated
data, so a reordered, altered or truncated archive is refused, not half restored. The key
comes from the environment (`BACKUP_KEY`, 32 bytes in base64) and never from the archive.

The manifest's figures are taken after the dump, in a quiet system the same as the dump's.
A restore into a scratch database recomputes them and reports every table that differs: the
restore drill in CI (zoufang/core/tests/test_backup.py) runs exactly that."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connections

MAGIC = b"ZFB1"
CHUNK = 1 << 20
_LAST, _MORE = b"last", b"more"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def backup_key(env: dict[str, str] | None = None) -> bytes:
    raw = (os.environ if env is None else env).get("BACKUP_KEY", "")
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError(
            "BACKUP_KEY must be 32 random bytes in base64 "
            '(make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())")'
        )
    return key


# --- encryption -------------------------------------------------------------------------


def encrypt_stream(src: BinaryIO, dst: BinaryIO, key: bytes) -> None:
    aead, prefix = AESGCM(key), os.urandom(8)
    dst.write(MAGIC + prefix)
    n, chunk = 0, src.read(CHUNK)
    while True:
        following = src.read(CHUNK)
        nonce = prefix + struct.pack(">I", n)
        sealed = aead.encrypt(nonce, chunk, _MORE if following else _LAST)
        dst.write(struct.pack(">I", len(sealed)) + sealed)
        if not following:
            return
        n, chunk = n + 1, following


def _open(aead: AESGCM, nonce: bytes, sealed: bytes) -> tuple[bytes, bytes]:
    for marker in (_MORE, _LAST):
        with suppress(InvalidTag):
            return aead.decrypt(nonce, sealed, marker), marker
    raise BackupError("The backup cannot be read with this key, or it was altered.")


def decrypt_stream(src: BinaryIO, dst: BinaryIO, key: bytes) -> None:
    head = src.read(12)
    if head[:4] != MAGIC:
        raise BackupError("This file is not a Zoufang backup.")
    aead, prefix, n = AESGCM(key), head[4:], 0
    while True:
        size = src.read(4)
        if len(size) < 4:
            raise BackupError("The backup is truncated: its last part is missing.")
        sealed = src.read(struct.unpack(">I", size)[0])
        plain, marker = _open(aead, prefix + struct.pack(">I", n), sealed)
        dst.write(plain)
        if marker == _LAST:
            if src.read(1):
                raise BackupError("The backup has data after its last part.")
            return
        n += 1


# --- the manifest -----------------------------------------------------------------------


def _tables(cursor: Any, engine: str) -> list[str]:
    if engine == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    return [r[0] for r in cursor.fetchall()]


def table_figures(raw: Any, engine: str) -> dict[str, dict[str, Any]]:
    """Per table of a database (a DB-API connection): its rows and a checksum that does not
    depend on row order (the sum of the rows' digests modulo 2**128), read as a stream."""
    out: dict[str, dict[str, Any]] = {}
    cursor = raw.cursor()
    for table in _tables(cursor, engine):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (names from the catalog) # nosec B608
        rows, total = 0, 0
        while batch := cursor.fetchmany(2000):
            for row in batch:
                digest = hashlib.blake2b(repr(tuple(row)).encode(), digest_size=16).digest()
                total = (total + int.from_bytes(digest, "big")) % (1 << 128)
                rows += 1
        out[table] = {"rows": rows, "checksum": f"{total:032x}"}
    cursor.close()
    return out


def _engine(alias: str) -> str:
    return "postgresql" if settings.DATABASES[alias]["ENGINE"].endswith("postgresql") else "sqlite"


def differences(expected: dict, actual: dict) -> list[str]:
    lines = []
    for table in sorted(set(expected) | set(actual)):
        e, a = expected.get(table), actual.get(table)
        if e != a:
            lines.append(f"{table}: expected {e}, found {a}")
    return lines


# --- the database -----------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _pg_env(db: dict) -> dict[str, str]:
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _dump_database(alias: str, into: Path) -> str:
    db = settings.DATABASES[alias]
    if db["ENGINE"].endswith("postgresql"):
        subprocess.run(  # noqa: S603 (fixed program, arguments from settings) # nosec B603
            [_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(into / "db.dump"), db["NAME"]],
            env=_pg_env(db),
            check=True,
            capture_output=True,
        )
        return "db.dump"
    connections[alias].ensure_connection()
    target = sqlite3.connect(into / "db.sqlite3")
    with target:
        connections[alias].connection.backup(target)
    target.close()
    return "db.sqlite3"


def _pg_kwargs(db: dict) -> dict[str, Any]:
    return {k.lower(): db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db.get(k)}


def _figures_of(alias: str, copy: Path) -> dict[str, dict[str, Any]]:
    """The manifest's figures, read the way a restore will read them back: a fresh plain
    connection (not Django's, whose type converters differ), to the dumped database on
    PostgreSQL and to the backup's own copy on SQLite."""
    if _engine(alias) == "postgresql":
        import psycopg

        db = settings.DATABASES[alias]
        with psycopg.connect(dbname=db["NAME"], **_pg_kwargs(db)) as raw:
            return table_figures(raw, "postgresql")
    raw = sqlite3.connect(copy)
    try:
        return table_figures(raw, "sqlite")
    finally:
        raw.close()


def _pg_restore(source: Path, db: dict, name: str) -> dict[str, dict[str, Any]]:
    import psycopg

    env = _pg_env(db)
    kw = _pg_kwargs(db)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise BackupError(f"Not a database name: {name!r}")
    with psycopg.connect(dbname="postgres", autocommit=True, **kw) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')  # the operator's own name
    subprocess.run(  # noqa: S603 (fixed program) # nosec B603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "-d", name, str(source)],
        env=env,
        check=True,
        capture_output=True,
    )
    with psycopg.connect(dbname=name, **kw) as raw:
        return table_figures(raw, "postgresql")


def _sqlite_restore(source: Path, target: Path) -> dict[str, dict[str, Any]]:
    shutil.copyfile(source, target)
    raw = sqlite3.connect(target)
    try:
        return table_figures(raw, "sqlite")
    finally:
        raw.close()


# --- backup and restore -----------------------------------------------------------------


def _tar_media(tar: tarfile.TarFile, media: Path) -> None:
    if media.is_dir():
        for path in sorted(p for p in media.rglob("*") if p.is_file()):
            tar.add(path, arcname=f"media/{path.relative_to(media)}")


def make_backup(out_dir: Path, *, key: bytes, alias: str = "default") -> Path:
    """Write one encrypted archive into `out_dir`; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"zoufang-{stamp}.zfb"
    with tempfile.TemporaryDirectory(prefix="zoufang-backup-") as tmp:
        work = Path(tmp)
        database = _dump_database(alias, work)
        manifest = {
            "made_at": stamp,
            "engine": settings.DATABASES[alias]["ENGINE"],
            "database": database,
            "tables": _figures_of(alias, work / database),
        }
        plain = work / "archive.tar"
        with tarfile.open(plain, "w") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(work / database, arcname=database)
            _tar_media(tar, Path(settings.MEDIA_ROOT))
        partial = target.with_suffix(".partial")
        with plain.open("rb") as src, partial.open("wb") as dst:
            encrypt_stream(src, dst, key)
        partial.rename(target)  # a backup is either whole or absent
    return target


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Only plain files with safe relative names: a crafted archive cannot write elsewhere."""
    for member in tar.getmembers():
        name = Path(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"The backup holds an unsafe entry: {member.name}")
        yield member


def restore_backup(
    archive: Path, *, key: bytes, into: str, media: Path | None = None, alias: str = "default"
) -> list[str]:
    """Restore the archive into the database `into` (a PostgreSQL database name, created when
    missing; a file path for SQLite) and its files into `media`, then compare every table
    with the manifest. Returns the differences: empty when the restore is exact."""
    engine = _engine(alias)
    with tempfile.TemporaryDirectory(prefix="zoufang-restore-") as tmp:
        work = Path(tmp)
        plain = work / "archive.tar"
        with archive.open("rb") as src, plain.open("wb") as dst:
            decrypt_stream(src, dst, key)
        with tarfile.open(plain) as tar:
            tar.extractall(work / "x", members=list(_members(tar)), filter="data")
        manifest = json.loads((work / "x" / "manifest.json").read_text())
        source = work / "x" / manifest["database"]
        if (manifest["database"] == "db.dump") != (engine == "postgresql"):
            raise BackupError("The backup and the target are different kinds of database.")
        if engine == "postgresql":
            found = _pg_restore(source, settings.DATABASES[alias], into)
        else:
            found = _sqlite_restore(source, Path(into))
        if media is not None and (work / "x" / "media").is_dir():
            shutil.copytree(work / "x" / "media", media, dirs_exist_ok=True)
    return differences(manifest["tables"], found)
