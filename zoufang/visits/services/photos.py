"""Visit photos: checked by their bytes and size, at most five per visit, idempotent by the
phone's UUID. A phone may send a photo before its visit: it waits under the visit's client
UUID and is attached when that visit is submitted — by the same officer only (the uploader
is checked on both submission paths; another user's photo under the UUID stays unattached and
is pruned with the orphans)."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from zoufang.core.scope import user_scope
from zoufang.visits.access import may_add_photo
from zoufang.visits.models import Visit, VisitPhoto
from zoufang.visits.services.common import MAX_PHOTOS, VisitConflict, content_hash

if TYPE_CHECKING:
    from zoufang.org.models import User

_SIGNATURES = [
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
]


def _image_type(head: bytes) -> tuple[str, str] | None:
    for signature, ext, mime in _SIGNATURES:
        if head.startswith(signature):
            return ext, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp", "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"heif"}:
        return ".heic", "image/heic"
    return None


def photo_max_bytes() -> int:
    return int(getattr(settings, "VISITS_PHOTO_MAX_MB", 8) * 1024 * 1024)


def photo_check(upload: Any) -> tuple[bytes, str, str]:
    """The file's bytes, extension and type, or ValidationError saying what to fix."""
    limit = photo_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "photo": _(
                    "The photo %(name)s is %(size).1f MB; the limit is %(max)s MB. Take it at a "
                    "lower resolution."
                )
                % {"name": upload.name, "size": upload.size / 1048576, "max": limit // 1048576}
            }
        )
    data = upload.read()
    kind = _image_type(data[:16])
    if kind is None:
        raise ValidationError(
            {
                "photo": _("%(name)s is not a photo: send a JPEG, PNG, WebP or HEIC image.")
                % {"name": upload.name}
            }
        )
    return data, kind[0], kind[1]


@transaction.atomic
def visit_photo_add(
    *,
    actor: User,
    visit_uuid: uuid.UUID | str,
    upload: Any,
    client_uuid: uuid.UUID | str | None = None,
) -> tuple[VisitPhoto, bool]:
    """Store one photo for the visit with client UUID `visit_uuid` (sent before or after the
    visit). At most five per visit; images only; size-limited. Idempotent by `client_uuid`."""
    visit_uuid = uuid.UUID(str(visit_uuid))
    client_uuid = uuid.UUID(str(client_uuid)) if client_uuid else uuid.uuid4()
    data, ext, mime = photo_check(upload)
    digest = content_hash({"visit": str(visit_uuid), "sha": hashlib.sha256(data).hexdigest()})
    existing = VisitPhoto.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _replayed(existing, actor, digest), False
    visit = Visit.objects.select_for_update().filter(client_uuid=visit_uuid).first()
    if visit is not None:
        if not user_scope(actor).contains(visit.unit_path):
            raise Http404
        if not may_add_photo(actor, visit):
            raise PermissionDenied(_("You may not add to this visit."))
    # The visit's photos, or the actor's own waiting for it: another user's upload under the
    # same UUID would never be attached, so it takes no place either.
    count = (
        VisitPhoto.objects.filter(visit_uuid=visit_uuid)
        .filter(Q(visit__isnull=False) | Q(uploaded_by=actor))
        .count()
    )
    if count >= MAX_PHOTOS:
        raise ValidationError({"photo": _("A visit has at most %(n)s photos.") % {"n": MAX_PHOTOS}})
    photo = VisitPhoto(
        visit_uuid=visit_uuid,
        visit=visit,
        extension=ext,
        content_type=mime,
        size=len(data),
        uploaded_by=actor,
        client_uuid=client_uuid,
        payload_hash=digest,
    )
    photo.image.save(f"{client_uuid}{ext}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        photo.image.delete(save=False)
        existing = VisitPhoto.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise VisitConflict() from None
        return _replayed(existing, actor, digest), False
    return photo, True


def _replayed(existing: VisitPhoto, actor: User, digest: str) -> VisitPhoto:
    """The photo already stored under the client UUID, if it is this one sent again by the
    same user; otherwise VisitConflict."""
    if existing.payload_hash != digest or existing.uploaded_by_id != actor.pk:
        raise VisitConflict()
    return existing
