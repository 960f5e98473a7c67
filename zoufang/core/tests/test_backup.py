"""Backups: the restore drill (back up, restore into a scratch database, every table's rows
and checksum equal), and archives that are refused rather than half restored."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from zoufang.core.backup import (
    BackupError,
    backup_key,
    decrypt_stream,
    encrypt_stream,
    make_backup,
    restore_backup,
)

KEY = os.urandom(32)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "visits").mkdir(parents=True)
    (settings.MEDIA_ROOT / "visits" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    return settings.MEDIA_ROOT


def _scratch(tmp_path: Path) -> str:
    if connection.vendor == "postgresql":
        return f"{connection.settings_dict['NAME']}_drill"[:63]
    return str(tmp_path / "restored.sqlite3")


@pytest.mark.django_db(transaction=True)
def test_the_restore_drill_gives_back_every_row_and_file(people, tmp_path, media):
    archive = make_backup(tmp_path / "backups", key=KEY)
    assert archive.read_bytes()[:4] == b"ZFB1"
    assert "张社区".encode() not in archive.read_bytes()  # encrypted at rest
    restored_media = tmp_path / "restored-media"
    problems = restore_backup(archive, key=KEY, into=_scratch(tmp_path), media=restored_media)
    assert problems == []
    assert (restored_media / "visits" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_differs_from_its_manifest_is_reported(people, tmp_path, media, monkeypatch):
    """An archive whose manifest promises a row the dump does not hold (re-sealed with the
    right key, so only the check can catch it) restores with that table named."""
    archive = make_backup(tmp_path / "backups", key=KEY)
    plain = io.BytesIO()
    with archive.open("rb") as src:
        decrypt_stream(src, plain, KEY)
    plain.seek(0)
    rebuilt = io.BytesIO()
    with tarfile.open(fileobj=plain) as tar, tarfile.open(fileobj=rebuilt, mode="w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["org_personnel"]["rows"] += 1
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    rebuilt.seek(0)
    tampered = tmp_path / "tampered.zfb"
    with tampered.open("wb") as dst:
        encrypt_stream(rebuilt, dst, KEY)
    problems = restore_backup(tampered, key=KEY, into=_scratch(tmp_path))
    assert len(problems) == 1
    assert problems[0].startswith("org_personnel:")
    monkeypatch.setenv("BACKUP_KEY", base64.b64encode(KEY).decode())
    with pytest.raises(CommandError, match="org_personnel"):
        call_command("restore", str(tampered), "--into", _scratch(tmp_path))


def test_a_wrong_key_an_altered_or_a_truncated_archive_is_refused():
    data = os.urandom(3 * (1 << 20) + 5)
    sealed = io.BytesIO()
    encrypt_stream(io.BytesIO(data), sealed, KEY)
    blob = sealed.getvalue()
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, KEY)
    assert out.getvalue() == data
    with pytest.raises(BackupError, match="key"):
        decrypt_stream(io.BytesIO(blob), io.BytesIO(), os.urandom(32))
    altered = bytearray(blob)
    altered[100] ^= 1
    with pytest.raises(BackupError, match="altered"):
        decrypt_stream(io.BytesIO(bytes(altered)), io.BytesIO(), KEY)
    last_chunk = 4 + (1 << 20) + 16
    with pytest.raises(BackupError, match=r"truncated|altered"):
        decrypt_stream(io.BytesIO(blob[: len(blob) - (5 + 16 + 4)]), io.BytesIO(), KEY)
    with pytest.raises(BackupError, match="truncated"):
        decrypt_stream(io.BytesIO(blob[: 12 + last_chunk]), io.BytesIO(), KEY)
    with pytest.raises(BackupError, match="not a Zoufang backup"):
        decrypt_stream(io.BytesIO(b"PK\x03\x04 a zip"), io.BytesIO(), KEY)


def test_the_key_must_be_given_and_well_formed(monkeypatch):
    with pytest.raises(BackupError, match="BACKUP_KEY"):
        backup_key({})
    with pytest.raises(BackupError, match="BACKUP_KEY"):
        backup_key({"BACKUP_KEY": base64.b64encode(b"short").decode()})
    assert backup_key({"BACKUP_KEY": base64.b64encode(KEY).decode()}) == KEY
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match="BACKUP_KEY"):
        call_command("backup")
