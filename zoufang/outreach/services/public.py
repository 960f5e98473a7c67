"""What a resident sends through the public page, and what it becomes.

An opinion or a clue becomes a finding (source 群众) through the findings ledger's own
`finding_create`, which routes it (属地管辖、分级分类负责); a visit request becomes an
appointment task on the beat team's list through `visits.services.task_request`; a rating is
counted in the beat's public satisfaction. A submission that looks like abuse (a link, the same
text again) is held, quietly, for the office's moderation queue: the resident's answer is the
same. Nothing here returns a resident's personal data to the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.campaigns.models import Campaign
from zoufang.core.masking import mask_phone
from zoufang.findings.models import Source
from zoufang.findings.services import finding_create
from zoufang.org.validators import validate_phone
from zoufang.outreach.models import PublicSubmission, SubmissionKind, SubmissionState
from zoufang.registry.crypto import encrypt

if TYPE_CHECKING:
    from zoufang.org.models import Unit, User

logger = logging.getLogger(__name__)

MAX_TEXT = 1000  # characters of an opinion or a clue
# The clue kinds a resident may choose, as finding kinds of the catalog.
CLUE_KINDS = {
    "fraud": "clue-fraud",
    "vice": "clue-vice",
    "gang": "clue-gang",
    "other": "clue-other",
}
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a phone and typed back
_LINK = re.compile(r"(https?://|www\.|\.(com|cn|net|org|top|xyz)\b)", re.IGNORECASE)
DUPLICATE_WINDOW = dt.timedelta(days=1)


@dataclass(frozen=True)
class Receipt:
    """What the page shows after a submission: the reference and the short code, once."""

    reference: str
    code: str


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def code_hash(code: str) -> str:
    key = f"{settings.SECRET_KEY}:outreach-code".encode()
    return hmac.new(key, code.strip().upper().encode(), hashlib.sha256).hexdigest()


def _clean_text(text: str, *, required: bool) -> str:
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({"text": _("Please write a few words.")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": _("Please keep it under %(n)d characters.") % {"n": MAX_TEXT}}
        )
    return text


def _clean_phone(phone: str, *, required: bool) -> str:
    phone = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "-")
    if not phone:
        if required:
            raise ValidationError({"phone": _("Give a phone number so that we can call you.")})
        return ""
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": " ".join(exc.messages)}) from exc
    return phone


def _hold_reason(beat: Unit, text: str) -> str:
    """Why a text goes to the moderation queue instead of the ledger ("" when it does not)."""
    if not text:
        return ""
    if _LINK.search(text):
        return "link"
    since = timezone.now() - DUPLICATE_WINDOW
    if PublicSubmission.objects.filter(beat=beat, text=text, created_at__gte=since).exists():
        return "repeat"
    return ""


def _new(beat: Unit, kind: str, **fields: Any) -> tuple[PublicSubmission, Receipt]:
    if beat.level != 4:
        raise ValidationError({"beat": _("This page belongs to no community or village.")})
    code = _random(6)
    for _attempt in range(5):
        reference = "Q" + _random(9)
        if not PublicSubmission.objects.filter(reference=reference).exists():
            break
    sub = PublicSubmission(
        reference=reference,
        code_hash=code_hash(code),
        campaign=Campaign.objects.current(),
        beat=beat,
        unit_path=beat.path,
        kind=kind,
        **fields,
    )
    return sub, Receipt(reference=reference, code=code)


def _seal_phone(sub: PublicSubmission, phone: str) -> None:
    if phone:
        sub.contact_phone_sealed = encrypt(phone)
        sub.contact_phone_masked = mask_phone(phone)


@transaction.atomic
def public_rate(
    *,
    beat: Unit,
    satisfaction: str,
    safety: str,
    topics_explained: bool | None,
    address: str = "",
) -> Receipt:
    """A resident rates the visit they received. The address, when given, only ties the
    rating to the last visit recorded at that registered address; it is not kept."""
    from zoufang.outreach.models import Safety, Satisfaction

    errors = {}
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = _("Choose how satisfied you are.")
    if safety not in Safety.values:
        errors["safety"] = _("Choose how safe you feel.")
    if errors:
        raise ValidationError(errors)
    sub, receipt = _new(
        beat,
        SubmissionKind.RATING,
        satisfaction=satisfaction,
        safety=safety,
        topics_explained=topics_explained,
        visit_id=_visit_at(beat, address),
    )
    sub.save()
    return receipt


def _visit_at(beat: Unit, address: str) -> int | None:
    """The last completed visit at the registered place of the beat with this address."""
    from zoufang.registry.models import Place
    from zoufang.visits.models import Visit

    address = " ".join((address or "").split())[:200]
    if not address:
        return None
    place = Place.objects.filter(beat=beat, is_active=True, address=address).first()
    if place is None:
        return None
    visit = Visit.objects.filter(place=place, outcome="visited").order_by("-started_at").first()
    return visit.pk if visit else None


@transaction.atomic
def public_opinion(*, beat: Unit, text: str) -> Receipt:
    """An opinion or a suggestion (问计于民): a finding of kind 社情民意 in the beat."""
    text = _clean_text(text, required=True)
    sub, receipt = _new(beat, SubmissionKind.OPINION, text=text)
    sub.hold_reason = _hold_reason(beat, text)
    _save_and_forward(sub, phone="")
    return receipt


@transaction.atomic
def public_clue(
    *,
    beat: Unit,
    clue_kind: str,
    text: str,
    anonymous: bool,
    name: str = "",
    phone: str = "",
    photo: Any = None,
) -> Receipt:
    """A clue, anonymous if the resident wishes (then no name or phone is kept at all)."""
    from zoufang.outreach.services.photos import photo_check

    if clue_kind not in CLUE_KINDS:
        raise ValidationError({"clue_kind": _("Choose what the clue is about.")})
    text = _clean_text(text, required=True)
    name = "" if anonymous else (name or "").strip()[:50]
    phone = "" if anonymous else _clean_phone(phone, required=False)
    extension = photo_check(photo) if photo else ""
    sub, receipt = _new(
        beat,
        SubmissionKind.CLUE,
        text=text,
        clue_kind=clue_kind,
        anonymous=anonymous,
        contact_name=name,
    )
    sub.hold_reason = _hold_reason(beat, text)
    if photo:
        sub.photo_extension = extension
        sub.photo.save(f"{sub.reference}{extension}", photo, save=False)
    _save_and_forward(sub, phone=phone)
    return receipt


@transaction.atomic
def public_visit_request(
    *,
    beat: Unit,
    address: str,
    date: dt.date | None,
    start: dt.time | None,
    end: dt.time | None,
    phone: str,
    name: str = "",
) -> Receipt:
    """A resident asks for a visit at a time that suits them: an appointment task."""
    errors = {}
    address = " ".join((address or "").split())
    if not address:
        errors["address"] = _("Give the address to visit.")
    elif len(address) > 200:
        errors["address"] = _("Please keep the address under 200 characters.")
    if date is None:
        errors["date"] = _("Choose a day.")
    elif date < timezone.localdate():
        errors["date"] = _("Choose today or a later day.")
    elif date > timezone.localdate() + dt.timedelta(days=60):
        errors["date"] = _("Choose a day within the next two months.")
    if start and end and end <= start:
        errors["end"] = _("The time window must end after it starts.")
    try:
        phone = _clean_phone(phone, required=True)
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    sub, receipt = _new(
        beat,
        SubmissionKind.VISIT,
        address=address,
        wanted_date=date,
        wanted_start=start,
        wanted_end=end,
        contact_name=(name or "").strip()[:50],
    )
    sub.hold_reason = _hold_reason(beat, "") or ("link" if _LINK.search(address) else "")
    _save_and_forward(sub, phone=phone)
    return receipt


def _save_and_forward(sub: PublicSubmission, *, phone: str) -> None:
    _seal_phone(sub, phone)
    sub.state = SubmissionState.HELD if sub.hold_reason else SubmissionState.ACCEPTED
    sub.save()
    if sub.state != SubmissionState.ACCEPTED:
        return
    if sub.kind not in (SubmissionKind.OPINION, SubmissionKind.CLUE):
        _forward(sub, phone=phone)
        return
    # An opinion or a clue the ledger refuses (its finding kind was deactivated or is missing
    # from the catalog) is not the resident's fault: they were checked above, and the ledger's
    # message names our catalog. It is held for the office, which releases it once the kind is
    # back (docs/decisions/0050-public-routing-refusal.md); the resident's answer is the same.
    try:
        with transaction.atomic():
            _forward(sub, phone=phone)
    except ValidationError as exc:
        logger.warning(
            "public page: the ledger refused %s %s, held for the office: %s",
            sub.kind,
            sub.reference,
            "; ".join(exc.messages),
        )
        sub.state, sub.hold_reason = SubmissionState.HELD, "routing"
        sub.finding_id = None
        sub.save(update_fields=["state", "hold_reason", "finding_id"])


def _forward(sub: PublicSubmission, *, phone: str) -> None:
    """Into the ledger or onto the team's list, through their own services."""
    if sub.kind == SubmissionKind.OPINION:
        result = finding_create(
            actor=None,
            kind_code="opinion",
            description=sub.text,
            beat=sub.beat,
            source=Source.PUBLIC,
            reporter_name=_("Resident (public page %(ref)s)") % {"ref": sub.reference},
            campaign=sub.campaign,
        )
        sub.finding_id = result.finding.pk
    elif sub.kind == SubmissionKind.CLUE:
        result = finding_create(
            actor=None,
            kind_code=CLUE_KINDS[sub.clue_kind],
            description=sub.text,
            beat=sub.beat,
            source=Source.PUBLIC,
            reporter_name=sub.contact_name
            or (_("Anonymous resident") if sub.anonymous else _("Resident")),
            reporter_phone=phone,
            campaign=sub.campaign,
        )
        sub.finding_id = result.finding.pk
    elif sub.kind == SubmissionKind.VISIT:
        from zoufang.visits.services import task_request

        if sub.campaign is None:
            raise ValidationError(_("No campaign is running: visits cannot be booked now."))
        task = task_request(
            campaign=sub.campaign,
            beat=sub.beat,
            address=sub.address,
            date=sub.wanted_date,
            start=sub.wanted_start,
            end=sub.wanted_end,
            note=_("Resident's request %(ref)s, phone %(phone)s")
            % {"ref": sub.reference, "phone": sub.contact_phone_masked},
        )
        sub.task_id = task.pk
    sub.save(update_fields=["finding_id", "task_id"])


@transaction.atomic
def submission_decide(*, submission: PublicSubmission, actor: User, release: bool) -> None:
    """The office releases a held submission (it goes on as if never held) or discards it
    (nothing is forwarded; its text and photo are erased)."""
    from zoufang.registry.crypto import decrypt

    sub = PublicSubmission.objects.select_for_update().get(pk=submission.pk)
    if sub.state != SubmissionState.HELD:
        raise ValidationError(_("Only a held submission can be released or discarded."))
    sub.decided_by, sub.decided_at = actor, timezone.now()
    if release:
        sub.state = SubmissionState.ACCEPTED
        sub.save(update_fields=["state", "decided_by", "decided_at"])
        phone = decrypt(sub.contact_phone_sealed) if sub.contact_phone_sealed else ""
        _forward(sub, phone=phone)
    else:
        sub.state = SubmissionState.DISCARDED
        sub.text = ""
        sub.address = ""
        sub.contact_name = ""
        sub.contact_phone_sealed = ""
        if sub.photo:
            sub.photo.delete(save=False)
        sub.save()


# ---- the status check ------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    kind: str
    sent_on: dt.date
    stage: str  # received, handling, handled, scheduled, visited
    date: dt.date | None = None


def public_status(reference: str, code: str) -> Status | None:
    """The stage of a submission, for the one who holds both its reference and its code;
    None otherwise (the page says the same for a wrong code and a reference that does not
    exist; the code's hash is computed either way)."""
    reference = (reference or "").strip().upper()[:16]
    given = code_hash((code or "")[:12])
    sub = PublicSubmission.objects.filter(reference=reference).first() if reference else None
    stored = sub.code_hash if sub else code_hash(secrets.token_hex(4))
    if not hmac.compare_digest(given, stored) or sub is None:
        return None
    return Status(
        kind=sub.kind,
        sent_on=timezone.localdate(sub.created_at),
        stage=_stage(sub),
        date=sub.wanted_date,
    )


def _stage(sub: PublicSubmission) -> str:
    from zoufang.findings.models import OPEN_STATES, Finding
    from zoufang.visits.models import VisitTask

    if sub.state != SubmissionState.ACCEPTED:
        return "received"  # held and discarded read alike: moderation is quiet
    if sub.finding_id:
        state = Finding.objects.filter(pk=sub.finding_id).values_list("state", flat=True).first()
        if state is None:
            return "received"
        if state == "closed":
            return "closed"
        return "handling" if state in OPEN_STATES else "handled"
    if sub.task_id:
        state = VisitTask.objects.filter(pk=sub.task_id).values_list("state", flat=True).first()
        return "visited" if state == "visited" else "scheduled"
    return "received"
