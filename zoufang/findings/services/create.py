"""Creating a finding: the single entry point for officers, visits and the public page,
idempotent by the client's UUID; numbering, duplicates, a report linked to a finding."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.scope import user_scope
from zoufang.findings import links, rollups
from zoufang.findings.models import (
    Finding,
    FindingKind,
    FindingTransition,
    Grade,
    NumberCounter,
    Source,
    State,
)
from zoufang.findings.services.notices import finding_url, kind_label
from zoufang.findings.services.routing import apply_route, route
from zoufang.notifications.services import notify
from zoufang.org.models import Unit, User
from zoufang.org.validators import validate_phone

DUPLICATE_WINDOW = dt.timedelta(days=30)
DUPLICATE_TEXT_RATIO = 0.6


class FindingConflict(Exception):
    """The client UUID was already used for a different finding."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(
            _("This client UUID was already used for a different finding (%(number)s).")
            % {"number": finding.number}
        )


@dataclass
class CreateResult:
    finding: Finding
    created: bool  # False: a replay of the same client UUID, or a report linked to it
    linked: bool = False
    duplicates: list[Finding] = field(default_factory=list)


def _payload_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _next_number(beat: Unit, day: dt.date) -> str:
    codes = [c for c in beat.path.split("/") if c]
    station_code = codes[2] if len(codes) >= 3 else codes[-1]
    prefix = f"{station_code}-{day:%y%m%d}"
    counter, _ = NumberCounter.objects.get_or_create(prefix=prefix)
    counter = NumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:03d}"


def _clean_coordinate(value: Any, limit: int, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError as exc:
        raise ValidationError({label: _("Enter a number.")}) from exc
    if not -limit <= number <= limit:
        raise ValidationError({label: _("Out of range.")})
    return number


def finding_duplicates(
    *,
    kind: FindingKind,
    beat: Unit,
    place_id: int | None = None,
    description: str = "",
    exclude_pk: int | None = None,
    now: dt.datetime | None = None,
) -> list[Finding]:
    """Findings of the same kind at the same place (or, with no place, in the same beat with
    a similar description) raised within the last 30 days, newest first. Not scoped: callers
    that show them to a user keep the ones the user sees."""
    since = (now or timezone.now()) - DUPLICATE_WINDOW
    qs = Finding.objects.filter(kind=kind, created_at__gte=since).select_related("kind")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if place_id:
        return list(qs.filter(place_id=place_id).order_by("-created_at")[:5])
    candidates = qs.filter(beat=beat).order_by("-created_at")[:50]
    text = " ".join(description.split())
    found = []
    for f in candidates:
        ratio = difflib.SequenceMatcher(None, text, " ".join(f.description.split())).ratio()
        if ratio >= DUPLICATE_TEXT_RATIO:
            found.append(f)
    return found[:5]


def _visit_error(visit_id: int | None, beat: Unit) -> str | None:
    """`Finding.visit_id` is a checked plain column (docs/decisions/0005): the visit must
    exist and lie in the finding's beat."""
    if visit_id is None:
        return None
    if not links.exists_in_beat("visit", visit_id, beat.path):
        return _("No such visit in this beat.")
    return None


def _check(
    *,
    actor: User | None,
    kind_code: str,
    description: str,
    beat: Unit | None,
    grade: str | None,
    source: str,
    phones: dict[str, str],
    coordinates: tuple[Any, Any],
    visit_id: int | None,
) -> tuple[FindingKind, Decimal | None, Decimal | None]:
    """Every input error at once (a ValidationError by field); the kind and coordinates."""
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe the finding.")
    elif len(description) > 4000:
        errors["description"] = _("The description is limited to 4000 characters.")
    kind = (
        FindingKind.objects.select_related("parent").filter(code=kind_code, is_active=True).first()
    )
    if kind is None:
        errors["kind"] = _("Unknown finding kind: %(code)s.") % {"code": kind_code}
    if beat is None:
        errors["beat"] = _("Choose the beat or the registered place where it lies.")
    elif beat.level != Unit.Level.BEAT:
        errors["beat"] = _("A finding lies in a community or village beat.")
    elif actor is not None and not user_scope(actor).contains(beat.path):
        errors["beat"] = _("This place is outside your jurisdiction.")
    elif visit_error := _visit_error(visit_id, beat):
        errors["visit_id"] = visit_error
    if grade and grade not in Grade.values:
        errors["grade"] = _("Unknown grade.")
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    for name, value in phones.items():
        if value:
            try:
                validate_phone(value)
            except ValidationError as exc:
                errors[name] = " ".join(exc.messages)
    lat = lng = None
    try:
        lat = _clean_coordinate(coordinates[0], 90, "latitude")
        lng = _clean_coordinate(coordinates[1], 180, "longitude")
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return kind, lat, lng


@transaction.atomic
def finding_create(
    *,
    actor: User | None,
    kind_code: str,
    description: str,
    beat: Unit | None = None,
    place: Any = None,
    place_text: str = "",
    latitude: Any = None,
    longitude: Any = None,
    grade: str | None = None,
    source: str = Source.OFFICER,
    reporter_name: str = "",
    reporter_phone: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    client_uuid: uuid.UUID | str | None = None,
    visit_id: int | None = None,
    campaign: Any = None,
    link_to: Finding | None = None,
) -> CreateResult:
    """Log a finding and route it. Idempotent by `client_uuid`: the same UUID with the same
    payload returns the first finding; with a different payload raises FindingConflict.

    `place` (a registry.Place) gives the beat; otherwise `beat` is required. `actor` is None
    only for the public page. With `link_to`, no new finding is opened: the report is added
    to that one (a duplicate the reporter chose to link). `visit_id` must name a visit in
    the finding's beat."""
    description = (description or "").strip()
    if place is not None:
        beat = place.beat
        place_text = place_text or str(place)
        if latitude in (None, "") and place.latitude is not None:
            latitude, longitude = place.latitude, place.longitude
    kind, lat, lng = _check(
        actor=actor,
        kind_code=kind_code,
        description=description,
        beat=beat,
        grade=grade,
        source=source,
        phones={"resident_phone": resident_phone, "reporter_phone": reporter_phone},
        coordinates=(latitude, longitude),
        visit_id=visit_id,
    )
    if link_to is not None:
        return _link_report(finding=link_to, actor=actor, description=description, source=source)
    payload = {
        "kind": kind_code,
        "description": description,
        "beat": beat.pk,
        "place": getattr(place, "pk", None),
        "place_text": place_text.strip(),
        "lat": lat,
        "lng": lng,
        "grade": grade or "",
        "source": source,
        "reporter_name": reporter_name.strip(),
        "reporter_phone": reporter_phone.strip(),
        "resident_name": resident_name.strip(),
        "resident_phone": resident_phone.strip(),
        "visit": visit_id,
    }
    digest = _payload_hash(payload)
    if client_uuid:
        client_uuid = uuid.UUID(str(client_uuid))
        replay = _replay(client_uuid, digest)
        if replay is not None:
            return replay
    now = timezone.now()
    finding, duplicates = _new_finding(
        kind, beat, place, payload, actor=actor, campaign=campaign, now=now
    )
    finding.client_uuid = client_uuid or None
    finding.payload_hash = digest
    return _save_new(finding, duplicates, actor=actor, now=now)


def _new_finding(
    kind: FindingKind,
    beat: Unit,
    place: Any,
    payload: dict[str, Any],
    *,
    actor: User | None,
    campaign: Any,
    now: dt.datetime,
) -> tuple[Finding, list[Finding]]:
    """The unsaved finding, routed and marked as a possible duplicate; the duplicates."""
    grade = payload["grade"] or kind.default_grade
    finding = Finding(
        number="",
        campaign=campaign,
        kind=kind,
        description=payload["description"],
        source=payload["source"],
        beat=beat,
        unit_path=beat.path,
        place_text=payload["place_text"],
        latitude=payload["lat"],
        longitude=payload["lng"],
        visit_id=payload["visit"],
        reporter=actor,
        reporter_name=payload["reporter_name"] or (actor.display_name if actor else ""),
        reporter_phone=payload["reporter_phone"],
        resident_name=payload["resident_name"],
        resident_phone=payload["resident_phone"],
        grade=grade,
        state=State.RAISED,
        sensitive=kind.sensitive or bool(kind.parent_id and kind.parent.sensitive),
    )
    if place is not None:
        finding.place = place
    if campaign is None:
        from zoufang.campaigns.models import Campaign

        finding.campaign = Campaign.objects.current()
    apply_route(finding, route(kind=kind, grade=grade, beat=beat), start=now)
    duplicates = finding_duplicates(
        kind=kind, beat=beat, place_id=payload["place"], description=payload["description"]
    )
    finding.duplicate_of = duplicates[0] if duplicates else None
    finding.sync_due()
    return finding, duplicates


def _save_new(
    finding: Finding, duplicates: list[Finding], *, actor: User | None, now: dt.datetime
) -> CreateResult:
    """Number and save a new finding, write its `raise` row and tell the owner unit."""
    try:
        with transaction.atomic():
            finding.number = _next_number(finding.beat, timezone.localdate(now))
            finding.save()
            rollups.signature_move([], [rollups.signature(finding)])
    except IntegrityError:
        # A concurrent request with the same client UUID won the race.
        if finding.client_uuid:
            replay = _replay(finding.client_uuid, finding.payload_hash)
            if replay is not None:
                return replay
        raise
    FindingTransition.step(
        finding,
        "raise",
        actor,
        from_state="",
        to=State.RAISED,
        at=now,
        data={"source": finding.source, "grade": finding.grade},
    ).save()
    notify(
        kind="finding.raised",
        title=_("New finding %(number)s: %(kind)s")
        % {"number": finding.number, "kind": kind_label(finding)},
        url=finding_url(finding),
        unit=finding.owner_unit,
    )
    return CreateResult(finding=finding, created=True, duplicates=duplicates)


def _replay(client_uuid: uuid.UUID, digest: str) -> CreateResult | None:
    existing = Finding.objects.filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    if existing.payload_hash != digest:
        raise FindingConflict(existing)
    return CreateResult(finding=existing, created=False)


def _link_report(
    *, finding: Finding, actor: User | None, description: str, source: str
) -> CreateResult:
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    Finding.objects.filter(pk=locked.pk).update(report_count=F("report_count") + 1)
    FindingTransition.step(
        locked, "link", actor, comment=description, data={"source": source}
    ).save()
    locked.refresh_from_db()
    return CreateResult(finding=locked, created=False, linked=True)
