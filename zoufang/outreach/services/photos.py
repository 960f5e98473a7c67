"""Photos sent with a clue or taken at a drive event: size-limited, images only (opened and
verified by Pillow, which the project already uses for the patrol's photo hashes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def photo_max_bytes() -> int:
    return int(getattr(settings, "OUTREACH_PHOTO_MAX_MB", 5)) * 1024 * 1024


def photo_check(upload: Any) -> str:
    """The photo's extension, or a ValidationError saying what to fix."""
    limit = photo_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "photo": _("The photo is %(size).1f MB; the limit is %(max)d MB.")
                % {"size": upload.size / 1048576, "max": limit // 1048576}
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(
            {"photo": _("This file is not a photo: send a JPEG or PNG image.")}
        ) from exc
    finally:
        upload.seek(0)
    if kind not in EXTENSIONS:
        raise ValidationError({"photo": _("This file is not a photo: send a JPEG or PNG image.")})
    return EXTENSIONS[kind]
