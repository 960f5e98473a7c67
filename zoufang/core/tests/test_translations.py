"""Every label the code owns is translated in both catalogs of every `.po` in the repository:
zh_Hans (the default language) and en. A fuzzy entry counts as missing (Django does not use
it). In en, a msgid already written in English is its own translation; one written in Chinese
(e.g. "督办") needs an English msgstr.

When this fails: run `make messages`, fill the msgstr of the entries listed, remove their
`#, fuzzy` flags, and run `make messages` again to compile."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
LANGUAGES = ("zh_Hans", "en")


def _catalogs() -> list[Path]:
    return sorted(
        p
        for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po")
        if ".venv" not in p.parts and "node_modules" not in p.parts
    )


def _locale_dirs() -> list[Path]:
    """Every locale folder of the project (the root one and each app's)."""
    return sorted({p.parents[2] for p in _catalogs()})


def _needs(entry: polib.POEntry, language: str) -> bool:
    return language == "zh_Hans" or bool(CJK.search(entry.msgid))


def _missing(entry: polib.POEntry, language: str) -> bool:
    if entry.obsolete or not _needs(entry, language):
        return False
    if entry.fuzzy:
        return True
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(entry.msgstr_plural.values())
    return not entry.msgstr


@pytest.mark.parametrize("locale_dir", _locale_dirs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_msgid_is_translated_in_both_languages(locale_dir):
    problems = []
    for language in LANGUAGES:
        po = locale_dir / language / "LC_MESSAGES" / "django.po"
        if not po.exists():
            problems.append(f"{po.relative_to(ROOT)}: no catalog (run `make messages`)")
            continue
        for entry in polib.pofile(str(po)):
            if _missing(entry, language):
                where = entry.occurrences[0][0] if entry.occurrences else "?"
                why = "fuzzy" if entry.fuzzy else "empty"
                problems.append(f"{po.relative_to(ROOT)}: {why} msgid {entry.msgid!r} ({where})")
    assert not problems, f"{len(problems)} untranslated:\n" + "\n".join(problems)
