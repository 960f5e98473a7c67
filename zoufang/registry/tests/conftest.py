from __future__ import annotations

import csv
from pathlib import Path

import pytest

from zoufang.registry.tests import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Imports run in-process, inside the test's transaction (a child process could not see
    # it); test_import_in_child.py runs them in a child on a committed database.
    settings.REGISTRY_IMPORT_IN_CHILD = False


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(rows, name=...) -> Path; rows are lists, the first the header."""

    def write(rows: list[list[object]], name: str = "data.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as fh:
            csv.writer(fh).writerows(rows)
        return path

    return write


@pytest.fixture
def ids():
    return factories.id_number


@pytest.fixture(autouse=True)
def _english_messages():
    """Service-level messages in English so assertions read like the msgids; pages still
    render in the default language (Chinese) through the locale middleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(params=["calamine", "streaming"])
def xlsx_reader(request, monkeypatch):
    """Run a test once with each .xlsx reader: python-calamine (small files) and the streaming
    reader (large files); the import must not be able to tell them apart."""
    from zoufang.registry.imports import reader

    limit = 0 if request.param == "streaming" else 1 << 40
    monkeypatch.setattr(reader, "STREAM_XLSX_ABOVE_BYTES", limit)
    return request.param
