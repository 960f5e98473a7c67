"""samples/registry-roster-fulltext.xlsx: the roster a station keeps (title row, headers as
people write them, the address only as one text) is what samples/make_roster_fulltext.py
writes, and imports: every row but the ones it is meant to show refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from python_calamine import CalamineWorkbook

from zoufang.registry.models import ImportRejection, Person, Place
from zoufang.registry.tests import factories

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "samples" / "registry-roster-fulltext.xlsx"


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_roster", SAMPLE.with_name("make_roster_fulltext.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_the_committed_sample_is_what_the_script_writes(tmp_path):
    written = _script().write(tmp_path / "roster.xlsx")
    assert _cells(written) == _cells(SAMPLE)


def test_the_fulltext_roster_imports_and_refuses_only_its_bad_addresses(tree):
    rows = _script().rows()
    assert 200 <= len(rows) <= 400
    job = factories.import_file(SAMPLE, tree.beat_a, "household")
    assert job.accepted + job.rejected == len(rows)
    by_column: dict[str, set[int]] = {}
    for r in ImportRejection.objects.filter(job=job):
        by_column.setdefault(r.column, set()).add(r.row)
    # The four bad addresses (another county, unreadable, none, another city); row numbers
    # are file rows: a title row and the header come first.
    first_bad = len(rows) - 5 + 3
    assert by_column.pop("现住址") == {first_bad, first_bad + 1, first_bad + 2, first_bad + 3}
    # The only other refusal is the wrong check digit: adults born before 1986 with 411002
    # numbers, refused before the region-code rule of issue 10, are accepted.
    assert by_column == {"身份证号": {len(rows) + 2}}
    assert job.accepted == len(rows) - 5
    assert Place.objects.filter(beat=tree.beat_a, road="文峰路").exists()
    person = Person.objects.filter(extra__isnull=False).first()
    assert set(person.extra) >= {"民族", "居住人数", "登记日期"}
    kept = [p.extra.get("房屋用途") for p in Person.objects.exclude(extra=None)]
    assert "经营" in kept  # a use the registry has no word for stays on the record


def test_the_command_line_says_which_columns_it_read(tree, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    sample = tmp_path / "roster.xlsx"
    sample.write_bytes(SAMPLE.read_bytes())
    out = StringIO()
    call_command("import_registry", str(sample), "--unit", tree.beat_a.code, stdout=out)
    text = out.getvalue()
    assert "columns: 6 recognised, 3 kept as extra fields (民族、居住人数、登记日期)" in text
    assert "ignored (序号、性别)" in text
