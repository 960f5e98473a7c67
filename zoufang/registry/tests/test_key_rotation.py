"""Key rotation for the field encryption (issue 17 part 4): `manage.py rotate_field_key`
re-encrypts in batches, an interrupted run loses nothing and the next run carries on, and
lookups by ID number keep working throughout."""

from __future__ import annotations

import base64
import io
import os

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from zoufang.registry import crypto, rotation
from zoufang.registry.models import Person
from zoufang.registry.selectors import PersonFilters, person_list
from zoufang.registry.tests import factories


def _new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def residents(tree):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    people = [
        factories.resident(place.household, name=f"住户{i}", phone=f"1380374{i:04d}")
        for i in range(7)
    ]
    return {p.pk: (crypto.decrypt(p.id_enc), crypto.decrypt(p.phone_enc)) for p in people}


def _rotate_to_version_2(settings) -> str:
    old = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_OLD_KEYS = f"1:{old}"
    settings.FIELD_ENCRYPTION_KEY = _new_key()
    settings.FIELD_ENCRYPTION_KEY_VERSION = 2
    return old


def _versions() -> set[str]:
    rows = Person.objects.values_list("id_enc", "phone_enc")
    return {crypto.version_of(v) for row in rows for v in row if v}


def test_rotation_is_batched_resumable_and_loses_nothing(residents, settings, office):
    assert _versions() == {"1"}
    _rotate_to_version_2(settings)
    out = io.StringIO()
    # An interrupted run: two batches of two rows, then it stops.
    call_command("rotate_field_key", "--batch", "2", "--max-batches", "2", stdout=out)
    assert "run it again" in out.getvalue()
    assert _versions() == {"1", "2"}
    stale = rotation.stale_counts()["registry.Person"]
    assert 0 < stale < len(residents)
    # Values not yet re-encrypted still open with the old key.
    for person in Person.objects.all():
        assert (crypto.decrypt(person.id_enc), crypto.decrypt(person.phone_enc)) == residents[
            person.pk
        ]
    # The next run carries on where the first stopped.
    out = io.StringIO()
    call_command("rotate_field_key", "--batch", "2", stdout=out)
    assert "every value is at key version 2" in out.getvalue()
    assert _versions() == {"2"}
    assert sum(rotation.stale_counts().values()) == 0
    for person in Person.objects.all():
        assert (crypto.decrypt(person.id_enc), crypto.decrypt(person.phone_enc)) == residents[
            person.pk
        ]
    # Each run is in the audit trail.
    runs = LogEntry.objects.filter(additional_data__key_rotation__version="2")
    assert runs.count() == 2


def test_after_rotation_the_old_key_is_not_needed_to_read_and_lookups_still_work(
    residents, settings, office
):
    old = _rotate_to_version_2(settings)
    call_command("rotate_field_key", stdout=io.StringIO())
    # Retire the old encryption key; the lookup hashes keep the version-1 key.
    settings.FIELD_ENCRYPTION_OLD_KEYS = ""
    settings.FIELD_LOOKUP_KEY = old
    for person in Person.objects.all():
        assert crypto.decrypt(person.id_enc) == residents[person.pk][0]
    pk, (id_number, _phone) = next(iter(residents.items()))
    assert list(person_list(office, PersonFilters(q=id_number)).values_list("pk", flat=True)) == [
        pk
    ]


def test_a_value_under_an_unknown_key_is_not_silently_dropped(residents, settings):
    _rotate_to_version_2(settings)
    settings.FIELD_ENCRYPTION_OLD_KEYS = ""  # the old key lost before the rotation
    with pytest.raises(ValueError, match="unknown key version"):
        call_command("rotate_field_key", stdout=io.StringIO())
    assert _versions() == {"1"}  # nothing was half-written


def test_new_values_are_sealed_with_the_current_version(settings, db):
    _rotate_to_version_2(settings)
    token = crypto.encrypt("13803740001")
    assert token.startswith("2$")
    assert crypto.Sealer().encrypt("13803740001").startswith("2$")
    assert crypto.decrypt(token) == "13803740001"
