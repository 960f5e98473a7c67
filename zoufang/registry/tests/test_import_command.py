from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from zoufang.registry.models import Person

# Every .xlsx case runs through both readers (python-calamine and the streaming one).
pytestmark = pytest.mark.usefixtures("xlsx_reader")

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_the_command_prints_counts_and_writes_the_report_next_to_the_file(tree, tmp_path):
    path = tmp_path / "messy.xlsx"
    shutil.copy(SAMPLES / "registry-households-messy.xlsx", path)
    out = StringIO()
    call_command("import_registry", str(path), "--unit", tree.beat_a.code, stdout=out)
    assert "3 accepted, 7 rejected" in out.getvalue()
    assert (tmp_path / "messy.rejected.xlsx").exists()
    assert Person.objects.count() == 3


def test_a_dry_run_from_the_command_line_writes_nothing(tree):
    out = StringIO()
    call_command(
        "import_registry",
        str(SAMPLES / "registry-households-clean.xlsx"),
        "--unit",
        tree.beat_a.code,
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().startswith("dry run: 30 accepted")
    assert Person.objects.count() == 0


def test_an_unknown_unit_is_an_error(tree):
    with pytest.raises(CommandError, match="no unit"):
        call_command(
            "import_registry", str(SAMPLES / "registry-households-clean.xlsx"), "--unit", "999"
        )
