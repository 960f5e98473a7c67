"""Every change to the registry goes through here and leaves history rows (Change).

Visits call these with `source=Change.Source.VISIT` and a `reference` (the visit's id):
`registry_apply(place=..., actor=..., answers={"household.rented": True, ...})` maps the
`registry = "..."` keys of the campaign's visit forms onto `household_update`,
`householder_set`, `shop_update`, `enterprise_update`.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zoufang.core.roles import Role
from zoufang.core.scope import user_scope
from zoufang.core.xlsx import write_xlsx
from zoufang.org.models import Unit
from zoufang.registry import importers
from zoufang.registry import normalize as norm
from zoufang.registry.crypto import decrypt, encrypt, lookup_hash
from zoufang.registry.models import (
    Change,
    Enterprise,
    Household,
    ImportJob,
    ImportRejection,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
)

if TYPE_CHECKING:
    from zoufang.org.models import User

from zoufang.registry.access import may_see_key_persons
from zoufang.registry.keyloading import KINDS as KEY_KINDS
from zoufang.registry.keyloading import KeyLoader
from zoufang.registry.loading import Loader as Loading
from zoufang.registry.loading import Staged

logger = logging.getLogger(__name__)
Source = Change.Source


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def _history(
    obj: models.Model,
    *,
    entity: str,
    changed: list[tuple[str, Any, Any]],
    actor: User | None,
    source: str,
    reference: str = "",
) -> None:
    Change.objects.bulk_create(
        Change(
            entity=entity,
            object_id=obj.pk,
            unit_path=obj.unit_path,
            field=field,
            old=_display(old),
            new=_display(new),
            actor=actor,
            source=source,
            reference=reference,
        )
        for field, old, new in changed
    )


def _apply(
    obj: models.Model, changes: Mapping[str, Any], allowed: set[str]
) -> list[tuple[str, Any, Any]]:
    """Set plain fields that differ; returns (field, old, new) for each."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    changed = []
    for field, new in changes.items():
        if isinstance(new, str):
            new = norm.clean_text(new)
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changed.append((field, old, new))
    return changed


def _require_beat(beat: Unit) -> None:
    if beat.level != Unit.Level.BEAT:
        raise ValidationError({"beat": _("Places belong to a community or village beat.")})


# ---- places ----------------------------------------------------------------------------------

PLACE_FIELDS = {
    "name",
    "road",
    "house_number",
    "building",
    "entrance",
    "room",
    "shop_kind",
    "enterprise_category",
    "key_place_kind",
    "latitude",
    "longitude",
    "is_active",
}


@transaction.atomic
def place_create(
    *,
    beat: Unit,
    kind: str,
    actor: User | None,
    source: str = Source.MANUAL,
    address_code: str = "",
    **fields: Any,
) -> Place:
    _require_beat(beat)
    fields = {k: norm.clean_text(v) if isinstance(v, str) else v for k, v in fields.items()}
    place = Place(beat=beat, unit_path=beat.path, kind=kind, **fields)
    place.address = place.compose_address()
    place.address_code = norm.clean_compact(address_code) or norm.address_code(
        beat.code, place.road, place.house_number, place.building, place.entrance, place.room
    )
    if Place.objects.filter(address_code=place.address_code).exists():
        raise ValidationError({"address_code": _("This address is already in the registry.")})
    place.full_clean(exclude=["unit_path"])
    place.save()
    if kind == Place.Kind.DWELLING:
        Household.objects.create(place=place, unit_path=place.unit_path)
    _history(place, entity="place", changed=[("", "", place.address)], actor=actor, source=source)
    return place


@transaction.atomic
def place_update(
    *,
    place: Place,
    actor: User | None,
    changes: Mapping[str, Any],
    source: str = Source.MANUAL,
    reference: str = "",
) -> list[tuple[str, Any, Any]]:
    changed = _apply(place, changes, PLACE_FIELDS)
    if changed:
        new_address = place.compose_address()
        if new_address != place.address:
            changed.append(("address", place.address, new_address))
            place.address = new_address
        place.save(update_fields=[c[0] for c in changed] + ["updated_at"])
        _history(
            place, entity="place", changed=changed, actor=actor, source=source, reference=reference
        )
    return changed


# ---- households and persons ------------------------------------------------------------------

HOUSEHOLD_FIELDS = {"use", "tenants", "separated", "landlord_name"}


@transaction.atomic
def household_update(
    *,
    household: Household,
    actor: User | None,
    changes: Mapping[str, Any],
    source: str = Source.MANUAL,
    reference: str = "",
) -> list[tuple[str, Any, Any]]:
    """Update a household. Besides its own fields it takes the visit form's yes/no answers
    `rented` and `borrowed_empty` (they set `use`), and `landlord_phone` (encrypted)."""
    changes = dict(changes)
    rented = changes.pop("rented", None)
    borrowed = changes.pop("borrowed_empty", None)
    if rented is True:
        changes["use"] = Household.Use.RENTED
    elif borrowed is True:
        changes["use"] = Household.Use.BORROWED
    elif (rented is False and household.use == Household.Use.RENTED) or (
        borrowed is False and household.use == Household.Use.BORROWED
    ):
        changes["use"] = Household.Use.OWNER
    phone = changes.pop("landlord_phone", None)
    changed = _apply(household, changes, HOUSEHOLD_FIELDS)
    if phone is not None:
        try:
            phone = norm.parse_phone(phone)
        except norm.Bad as exc:
            raise ValidationError({"landlord_phone": str(exc)}) from exc
        if phone != decrypt(household.landlord_phone_enc):
            old = household.landlord_phone_masked
            household.landlord_phone_enc = encrypt(phone)
            household.landlord_phone_masked = norm.mask_phone(phone)
            household.landlord_phone_hash = lookup_hash(phone)
            changed.append(("landlord_phone", old, household.landlord_phone_masked))
    if "use" in changes and household.use not in Household.Use.values:
        raise ValidationError({"use": _("Unknown use of the house.")})
    if changed:
        fields = {c[0] for c in changed}
        if "landlord_phone" in fields:
            fields = (fields - {"landlord_phone"}) | {
                "landlord_phone_enc",
                "landlord_phone_masked",
                "landlord_phone_hash",
            }
        household.save(update_fields=[*fields, "updated_at"])
        _history(
            household,
            entity="household",
            changed=changed,
            actor=actor,
            source=source,
            reference=reference,
        )
    return changed


PERSON_FIELDS = {"name", "registered_address", "actual_address", "relation", "living_since"}


def _set_id_number(person: Person, value: str) -> tuple[str, Any, Any] | None:
    try:
        number, sex, birth = norm.parse_id_number(value)
    except norm.Bad as exc:
        raise ValidationError({"id_number": str(exc)}) from exc
    digest = lookup_hash(number)
    if digest == person.id_hash:
        return None
    clash = Person.objects.filter(id_hash=digest).exclude(pk=person.pk).first()
    if clash is not None:
        raise ValidationError({"id_number": _("Another person has this ID number.")})
    old = person.id_masked
    person.id_enc, person.id_hash, person.id_masked = encrypt(number), digest, norm.mask_id(number)
    person.sex, person.birth_date = sex, birth
    return ("id_number", old, person.id_masked)


def _set_phone(person: Person, value: str) -> tuple[str, Any, Any] | None:
    try:
        phone = norm.parse_phone(value)
    except norm.Bad as exc:
        raise ValidationError({"phone": str(exc)}) from exc
    digest = lookup_hash(phone)
    if digest == person.phone_hash:
        return None
    old = person.phone_masked
    person.phone_enc, person.phone_hash = encrypt(phone), digest
    person.phone_masked = norm.mask_phone(phone)
    return ("phone", old, person.phone_masked)


def _derive_separated(person: Person) -> tuple[str, Any, Any] | None:
    actual = person.actual_address
    if not actual and person.household_id:
        actual = person.household.place.address
    separated = norm.is_separated(person.registered_address, actual)
    if separated != person.separated:
        old, person.separated = person.separated, separated
        return ("separated", old, separated)
    return None


@transaction.atomic
def person_save(
    *,
    person: Person | None,
    actor: User | None,
    changes: Mapping[str, Any],
    household: Household | None = None,
    source: str = Source.MANUAL,
    reference: str = "",
) -> Person:
    """Create (person=None) or update a person. `changes` may hold `id_number` and `phone`
    in clear; they are stored encrypted, and their history is kept masked. 人户分离 is
    derived from the registered and actual residence."""
    creating = person is None
    changes = dict(changes)
    id_number = changes.pop("id_number", None)
    phone = changes.pop("phone", None)
    if creating:
        if household is None:
            raise ValidationError(_("A new person belongs to a household."))
        if id_number:
            existing = Person.objects.with_id_number(str(id_number)).first()
            if existing is not None:
                person, creating = existing, False
        if creating:
            person = Person(household=household, unit_path=household.unit_path)
    elif household is not None and person.household_id != household.pk:
        changes["household"] = household
    changed: list[tuple[str, Any, Any]] = []
    if "household" in changes:
        new_household = changes.pop("household")
        changed.append(("household", person.household, new_household))
        person.household, person.unit_path = new_household, new_household.unit_path
    changed += _apply(person, changes, PERSON_FIELDS)
    if id_number is not None and (c := _set_id_number(person, str(id_number))):
        changed.append(c)
    if phone is not None and (c := _set_phone(person, str(phone))):
        changed.append(c)
    if (c := _derive_separated(person)) is not None:
        changed.append(c)
    if not person.name:
        raise ValidationError({"name": _("A person needs a name.")})
    if not changed and not creating:
        return person
    person.save()
    if creating:
        changed = [("", "", person.name)]
    _history(
        person, entity="person", changed=changed, actor=actor, source=source, reference=reference
    )
    if person.household_id:
        _refresh_household_separated(
            person.household, actor=actor, source=source, reference=reference
        )
    return person


def _refresh_household_separated(
    household: Household, *, actor: User | None, source: str, reference: str
) -> None:
    separated = household.residents.filter(separated=True).exists()
    if separated != household.separated:
        household_update(
            household=household,
            actor=actor,
            changes={"separated": separated},
            source=source,
            reference=reference,
        )


@transaction.atomic
def householder_set(
    *,
    household: Household,
    actor: User | None,
    changes: Mapping[str, Any],
    source: str = Source.MANUAL,
    reference: str = "",
) -> Person:
    """Set or correct the householder (户主): `changes` has name, id_number, phone. A known ID
    number picks that person; otherwise the current householder is corrected, or created."""
    changes = {k: v for k, v in changes.items() if v not in (None, "")}
    person = household.householder
    if changes.get("id_number"):
        found = Person.objects.with_id_number(str(changes["id_number"])).first()
        if found is not None:
            person = found
    person = person_save(
        person=person,
        actor=actor,
        changes={**changes, "relation": Person.Relation.HOUSEHOLDER},
        household=household,
        source=source,
        reference=reference,
    )
    if household.householder_id != person.pk:
        old = household.householder
        household.householder = person
        household.save(update_fields=["householder", "updated_at"])
        _history(
            household,
            entity="household",
            changed=[("householder", old, person)],
            actor=actor,
            source=source,
            reference=reference,
        )
    return person


@transaction.atomic
def key_person_set(
    *,
    person: Person,
    actor: User | None,
    category: str,
    control_level: str,
    note: str = "",
    source: str = Source.MANUAL,
) -> KeyPerson:
    record = KeyPerson.objects.filter(person=person).first()
    if record is None:
        record = KeyPerson.objects.create(
            person=person,
            unit_path=person.unit_path,
            category=category,
            control_level=control_level,
            note=note,
        )
        _history(
            record, entity="key_person", changed=[("", "", category)], actor=actor, source=source
        )
        return record
    changed = _apply(
        record,
        {"category": category, "control_level": control_level, "note": note},
        {"category", "control_level", "note"},
    )
    if changed:
        record.full_clean(exclude=["person", "unit_path"])
        record.save()
        _history(record, entity="key_person", changed=changed, actor=actor, source=source)
    return record


@transaction.atomic
def key_person_clear(*, person: Person, actor: User | None, source: str = Source.MANUAL) -> bool:
    """The person is no longer a key person; the history keeps what the record said."""
    record = KeyPerson.objects.filter(person=person).first()
    if record is None:
        return False
    _history(
        record,
        entity="key_person",
        changed=[("category", record.get_category_display(), "")],
        actor=actor,
        source=source,
    )
    record.delete()
    return True


# ---- shops and enterprises -------------------------------------------------------------------

ORG_FIELDS = {"name", "key_industry", "key_items", "key_persons", "contact_name", "opened_on"}
SHOP_FIELDS = ORG_FIELDS | {
    "business_scope",
    "operating_mode",
    "goods_source",
    "sales_destination",
    "owner_staff",
}
ENTERPRISE_FIELDS = ORG_FIELDS | {
    "nature",
    "category",
    "staff_count",
    "staff_composition",
    "security_org",
    "protective_measures",
    "vital_parts",
}


def _org_update(
    org: Shop | Enterprise,
    *,
    entity: str,
    allowed: set[str],
    actor: User | None,
    changes: Mapping[str, Any],
    source: str,
    reference: str,
) -> list[tuple[str, Any, Any]]:
    changes = dict(changes)
    credit = changes.pop("credit_code", None)
    phone = changes.pop("contact_phone", None)
    changed = _apply(org, changes, allowed)
    if credit is not None:
        try:
            credit = norm.parse_credit_code(credit)
        except norm.Bad as exc:
            raise ValidationError({"credit_code": str(exc)}) from exc
        if credit != org.credit_code:
            if credit and type(org).objects.filter(credit_code=credit).exclude(pk=org.pk).exists():
                raise ValidationError({"credit_code": _("Another record has this credit code.")})
            changed.append(("credit_code", org.credit_code, credit))
            org.credit_code = credit
    if phone is not None:
        try:
            phone = norm.parse_phone(phone)
        except norm.Bad as exc:
            raise ValidationError({"contact_phone": str(exc)}) from exc
        digest = lookup_hash(phone)
        if digest != org.contact_phone_hash:
            old = org.contact_phone_masked
            org.contact_phone_enc, org.contact_phone_hash = encrypt(phone), digest
            org.contact_phone_masked = norm.mask_phone(phone)
            changed.append(("contact_phone", old, org.contact_phone_masked))
    if changed:
        org.full_clean(exclude=["place", "unit_path"])
        org.save()
        _history(
            org, entity=entity, changed=changed, actor=actor, source=source, reference=reference
        )
    return changed


@transaction.atomic
def shop_update(
    *,
    shop: Shop,
    actor: User | None,
    changes: Mapping[str, Any],
    source: str = Source.MANUAL,
    reference: str = "",
) -> list[tuple[str, Any, Any]]:
    return _org_update(
        shop,
        entity="shop",
        allowed=SHOP_FIELDS,
        actor=actor,
        changes=changes,
        source=source,
        reference=reference,
    )


@transaction.atomic
def enterprise_update(
    *,
    enterprise: Enterprise,
    actor: User | None,
    changes: Mapping[str, Any],
    source: str = Source.MANUAL,
    reference: str = "",
) -> list[tuple[str, Any, Any]]:
    changes = dict(changes)
    if "category" in changes:
        changes["category"] = category_code(changes["category"])
    return _org_update(
        enterprise,
        entity="enterprise",
        allowed=ENTERPRISE_FIELDS,
        actor=actor,
        changes=changes,
        source=source,
        reference=reference,
    )


CATEGORY_LABELS = {
    "党政机关": Place.EnterpriseCategory.GOVERNMENT,
    "医院学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "金融通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "车站码头": Place.EnterpriseCategory.STATION_DOCK,
    "水电气热": Place.EnterpriseCategory.UTILITIES,
    "厂矿企业": Place.EnterpriseCategory.FACTORY_MINE,
    "其他": Place.EnterpriseCategory.OTHER,
}


def category_code(value: Any) -> str:
    """The visit form says 医院学校; the registry stores hospital_school."""
    text = norm.clean_text(value)
    if text in Place.EnterpriseCategory.values or not text:
        return text
    if text in CATEGORY_LABELS:
        return CATEGORY_LABELS[text]
    raise ValidationError({"category": _("Unknown enterprise category: %(v)s") % {"v": text}})


@transaction.atomic
def org_create(
    *,
    place: Place,
    actor: User | None,
    name: str,
    changes: Mapping[str, Any] | None = None,
    source: str = Source.MANUAL,
) -> Shop | Enterprise:
    """The shop or enterprise at a place of that kind."""
    model = {Place.Kind.SHOP: Shop, Place.Kind.ENTERPRISE: Enterprise}.get(place.kind)
    if model is None:
        raise ValidationError(_("Only a shop or enterprise place has one."))
    org = model.objects.create(place=place, unit_path=place.unit_path, name=norm.clean_text(name))
    _history(
        org, entity=model._meta.model_name, changed=[("", "", org.name)], actor=actor, source=source
    )
    if changes:
        update = shop_update if model is Shop else enterprise_update
        kwarg = "shop" if model is Shop else "enterprise"
        update(**{kwarg: org}, actor=actor, changes=changes, source=source)
    return org


@transaction.atomic
def key_item_create(*, place: Place, actor: User | None, **fields: Any) -> KeyItem:
    item = KeyItem(place=place, unit_path=place.unit_path, **fields)
    item.full_clean(exclude=["unit_path"])
    item.save()
    _history(
        item, entity="key_item", changed=[("", "", item.name)], actor=actor, source=Source.MANUAL
    )
    return item


# ---- visits ----------------------------------------------------------------------------------


@transaction.atomic
def registry_apply(
    *,
    place: Place,
    actor: User | None,
    answers: Mapping[str, Any],
    source: str = Source.VISIT,
    reference: str = "",
) -> dict[str, list]:
    """Apply a visit form's answers keyed by their `registry` names
    (householder.name, household.rented, shop.business_scope, enterprise.category,
    org.key_items …) to the registry records at `place`, with history. Returns the changes
    per record type. Unknown keys raise ValidationError (a form/registry mismatch is a bug)."""
    groups: dict[str, dict[str, Any]] = {}
    for key, value in answers.items():
        head, _sep, field = key.partition(".")
        groups.setdefault(head, {})[field] = value
    done: dict[str, list] = {}
    if "householder" in groups or "household" in groups:
        household = Household.objects.filter(place=place).first()
        if household is None:
            raise ValidationError(_("This place has no household."))
        if "householder" in groups:
            householder_set(
                household=household,
                actor=actor,
                changes=groups.pop("householder"),
                source=source,
                reference=reference,
            )
            done["householder"] = [True]
        if "household" in groups:
            done["household"] = household_update(
                household=household,
                actor=actor,
                changes=groups.pop("household"),
                source=source,
                reference=reference,
            )
    org_flags = groups.pop("org", {})
    shop_changes = groups.pop("shop", {})
    ent_changes = groups.pop("enterprise", {})
    if shop_changes or (org_flags and place.kind == Place.Kind.SHOP):
        shop = Shop.objects.get(place=place)
        done["shop"] = shop_update(
            shop=shop,
            actor=actor,
            changes={**shop_changes, **org_flags},
            source=source,
            reference=reference,
        )
    if ent_changes or (org_flags and place.kind == Place.Kind.ENTERPRISE):
        enterprise = Enterprise.objects.get(place=place)
        done["enterprise"] = enterprise_update(
            enterprise=enterprise,
            actor=actor,
            changes={**ent_changes, **org_flags},
            source=source,
            reference=reference,
        )
    if groups:
        raise ValidationError(_("Unknown registry keys: %(k)s") % {"k": ", ".join(sorted(groups))})
    return done


# ---- imports ---------------------------------------------------------------------------------

IMPORT_ROLES = frozenset(
    {
        Role.OFFICE,
        Role.WORKING_TEAM,
        Role.COUNTY_ADMIN,
        Role.STATION_CHIEF,
        Role.COMMUNITY_OFFICER,
    }
)
BATCH_ROWS = 20_000
FIRST_BATCH_ROWS = 2_500
REPORT_HEADERS = ["行号", "列", "值", "原因"]


def may_import(user: User, unit: Unit, kind: str = "") -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_superuser or user.role in IMPORT_ROLES):
        return False
    if kind == "key_person" and not may_see_key_persons(user, unit.path):
        return False  # who may not see key persons may not write them either
    return user_scope(user).contains(unit.path)


def import_kinds_for(user: User) -> list[tuple[str, str]]:
    """The kinds of file `user` may import (the page's choice and its template links)."""
    return [
        (value, label)
        for value, label in ImportJob.Kind.choices
        if value != ImportJob.Kind.KEY_PERSON or may_see_key_persons(user)
    ]


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "registry_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def import_job_create(
    *,
    user: User | None,
    unit: Unit,
    kind: str,
    upload: Any = None,
    path: Path | None = None,
    dry_run: bool = False,
    enqueue: bool = True,
) -> ImportJob:
    """Store the file and queue the job (Celery; in-process when eager). `user` None is the
    command line, which may import anywhere."""
    if kind not in importers.SPECS:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    if user is not None and not may_import(user, unit):
        raise PermissionDenied(_("You may import only into your own jurisdiction."))
    if user is not None and not may_import(user, unit, kind):
        raise PermissionDenied(_("Your role may not import key persons."))
    folder = _import_dir() / uuid.uuid4().hex
    folder.mkdir()
    if upload is not None:
        name = Path(upload.name).name or "import"
        target = folder / name
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
    else:
        assert path is not None  # noqa: S101 - programming error, not input
        name = path.name
        target = path
    job = ImportJob.objects.create(
        kind=kind,
        unit=unit,
        unit_path=unit.path,
        created_by=user,
        file_path=str(target),
        file_name=name[:255],
        dry_run=dry_run,
    )
    if enqueue:
        from zoufang.registry.tasks import import_run_task

        transaction.on_commit(lambda: import_run_task.delay(job.pk))
    return job


def _scope_path(job: ImportJob) -> str:
    user = job.created_by
    if user is None:
        return job.unit_path
    scope = user_scope(user)
    if scope.everything:
        return job.unit_path
    if scope.path is None:
        return "\x00"  # sees nothing: every row is outside
    return job.unit_path if job.unit_path.startswith(scope.path) else scope.path


def _count_rows(path: Path) -> int:
    """A fast estimate of the data rows, for the progress bar."""
    if importers._sniff(path) == "csv":
        with path.open("rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return 0


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run an import job to the end. Each batch commits on its own (except a dry run, which
    rolls everything back); a failure stops the job and records how far it got."""
    if job.finished and job.status == ImportJob.Status.DONE:
        return job
    ImportRejection.objects.filter(job=job).delete()  # a retry reports afresh
    spec = importers.SPECS[job.kind]
    job.status, job.started_at, job.error = ImportJob.Status.RUNNING, timezone.now(), ""
    job.accepted = job.rejected = job.created = job.updated = job.unchanged = 0
    job.processed_rows = job.committed_through_row = 0
    job.save()
    path = Path(job.file_path)
    scope_path = _scope_path(job)
    try:
        table = importers.open_table(path, spec.columns)
    except importers.ImportFileError as exc:
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(exc), timezone.now()
        job.save()
        return job
    job.total_rows = max(0, _count_rows(path) - table.header_row)
    job.save(update_fields=["total_rows", "updated_at"])
    ctx = importers.Context(job.unit, scope_path)
    # Key persons and key items attach to stored persons and places: their own loader.
    loader_class = KeyLoader if job.kind in KEY_KINDS else Loading
    loader = loader_class(spec, job_id=job.pk, actor_id=job.created_by_id, scope_path=scope_path)
    kept_rejections: list[importers.Rejection] = []
    loader.setup()
    try:
        if job.dry_run:
            with transaction.atomic():
                _run_batches(job, table, spec, ctx, loader, kept_rejections)
                transaction.set_rollback(True)
            ImportRejection.objects.bulk_create(_rejection_rows(job, kept_rejections))
        else:
            _run_batches(job, table, spec, ctx, loader, None)
    except _BatchFailed as failed:
        job.status = ImportJob.Status.FAILED
        job.error = _(
            "The import stopped at rows %(first)s–%(last)s: %(error)s. Rows up to %(done)s are "
            "in the registry; nothing from row %(first)s on was written. Fix the problem and "
            "run the job again: rows already imported are not duplicated."
        ) % {
            "first": failed.first,
            "last": failed.last,
            "error": failed.reason,
            "done": job.committed_through_row or table.header_row,
        }
        if job.dry_run:
            job.error = _("The dry run failed: %(error)s") % {"error": failed.reason}
    else:
        job.status = ImportJob.Status.DONE
        job.total_rows = job.processed_rows
    finally:
        loader.teardown()
    job.finished_at = timezone.now()
    job.save()
    logger.info(
        "registry import finished",
        extra={"job": job.pk, "status": job.status, "accepted": job.accepted},
    )
    return job


class _BatchFailed(Exception):
    def __init__(self, first: int, last: int, reason: str) -> None:
        super().__init__(reason)
        self.first, self.last, self.reason = first, last, reason


def _rejection_rows(job: ImportJob, items: list[importers.Rejection]) -> list[ImportRejection]:
    return [
        ImportRejection(
            job=job, row=r.row, column=r.column[:50], value=r.value, reason=r.reason[:255]
        )
        for r in items
    ]


@dataclass
class _Chunk:
    staged: Staged
    problems: list[importers.Rejection]
    rejected_rows: set[int]
    first: int
    last: int
    processed: int


def _produce(
    table: importers.Table,
    spec: importers.Spec,
    ctx: importers.Context,
    out: queue.Queue,
    stop: threading.Event,
    language: str | None,
    stage_rows: Callable[[list[tuple]], Staged],
) -> None:
    """Read and prepare rows (pure Python, no database) into batches on `out`, so that the
    next batch is prepared while the database loads the previous one."""
    if language:
        translation.activate(language)  # reasons in the language of whoever started the job

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.5)
            except queue.Full:
                continue
            return

    try:
        batch: list[tuple] = []
        problems: list[importers.Rejection] = []
        rejected: set[int] = set()
        first = processed = previous = 0
        last = table.header_row
        mapping = table.mapping
        # The first batches are small, so that the database starts loading while the rest
        # of the file is read; then they double up to BATCH_ROWS.
        limit = min(FIRST_BATCH_ROWS, BATCH_ROWS)
        for number, cells in table.rows:
            if stop.is_set():
                return
            last = number
            if importers._is_blank(cells):
                continue
            staged, bad = spec.prepare(ctx, number, cells, mapping)
            size = len(batch) + len(rejected)
            # A full batch is handed over at the next change of address, so that the rows of
            # one dwelling (usually together in a file) land in the same batch; a batch never
            # grows past twice the size.
            if size >= limit and (
                size >= 2 * limit or (staged is not None and batch and staged[3] != batch[-1][3])
            ):
                put(_Chunk(stage_rows(batch), problems, rejected, first, previous, processed))
                batch, problems, rejected, first, processed = [], [], set(), 0, 0
                limit = min(2 * limit, BATCH_ROWS)
            if not first:
                first = number
            processed += 1
            previous = number
            if bad:
                problems.extend(bad)
                rejected.add(number)
            else:
                batch.append(staged)
        if batch or problems:
            put(_Chunk(stage_rows(batch), problems, rejected, first, last, processed))
        put(None)
    except (csv.Error, UnicodeDecodeError, OSError) as exc:
        put(importers.ImportFileError(str(exc)))
    except BaseException as exc:  # handed to the consumer thread, which raises it
        put(exc)


def _run_batches(
    job: ImportJob,
    table: importers.Table,
    spec: importers.Spec,
    ctx: importers.Context,
    loader: Loading | KeyLoader,
    kept: list[importers.Rejection] | None,
) -> None:
    def flush(chunk: _Chunk) -> None:
        try:
            with transaction.atomic():
                result = loader.load_batch(chunk.staged, now=timezone.now())
                rows = chunk.problems + result.rejections
                if kept is None:
                    ImportRejection.objects.bulk_create(_rejection_rows(job, rows))
                else:
                    kept.extend(rows)
        except DatabaseError as exc:
            logger.exception("registry import batch failed", extra={"job": job.pk})
            first = chunk.first or chunk.last
            raise _BatchFailed(first, chunk.last, str(exc).splitlines()[0][:300]) from exc
        job.processed_rows += chunk.processed
        job.accepted += chunk.staged.count - len(result.rejections)
        job.rejected += len(chunk.rejected_rows) + len({r.row for r in result.rejections})
        job.created += result.created
        job.updated += result.updated
        job.unchanged += result.unchanged
        job.committed_through_row = chunk.last
        if kept is None:
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=job.processed_rows,
                accepted=job.accepted,
                rejected=job.rejected,
                created=job.created,
                updated=job.updated,
                unchanged=job.unchanged,
                committed_through_row=chunk.last,
            )

    chunks: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce,
        args=(table, spec, ctx, chunks, stop, translation.get_language(), loader.stage_rows),
        name="registry-import-read",
    )
    producer.start()
    try:
        while (chunk := chunks.get()) is not None:
            if isinstance(chunk, importers.ImportFileError):
                raise _BatchFailed(
                    job.committed_through_row + 1, job.committed_through_row + 1, str(chunk)
                )
            if isinstance(chunk, BaseException):
                raise chunk
            flush(chunk)
    finally:
        stop.set()
        producer.join()


def import_report_rows(job: ImportJob) -> Iterator[list[Any]]:
    for r in job.rejections.order_by("row", "id").iterator(chunk_size=5000):
        yield [r.row, r.column, r.value, r.reason]


def import_write_report(job: ImportJob, target: Path) -> Path:
    with target.open("wb") as fh:
        write_xlsx(fh, REPORT_HEADERS, import_report_rows(job), sheet="未导入的行")
    return target


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Run a failed job again (idempotent: rows that made it are not duplicated)."""
    from zoufang.registry.tasks import import_run_task

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    transaction.on_commit(lambda: import_run_task.delay(job.pk))
    return job
