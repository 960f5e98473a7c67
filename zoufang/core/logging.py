"""A logging filter that masks ID numbers and mobile phone numbers in every log line.

The second guard behind "personal data never in URLs": a search that still arrives by GET
(an old bookmark, a hand-typed URL) or a message that quotes a value would otherwise write
an 18-character ID number or an 11-digit phone into the logs. config/settings/base.py puts
the filter on every handler; config/gunicorn.py puts it on gunicorn's access log.

Written here: the logging module has no such filter and no well-kept package does this one
job for mainland ID and phone formats; it is a regular expression over the formatted line.
"""

from __future__ import annotations

import logging
import re

from zoufang.core.masking import mask_id_number, mask_phone

# An 18-character resident ID (17 digits and a digit or X) or an 11-digit mobile number,
# not inside a longer run of digits (an id, a timestamp).
_PERSONAL = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|1[0-9]{10})(?![0-9])")


# The pieces of a logging config that masks: Django's LOGGING (config/settings/base.py) and
# gunicorn's logconfig_dict (config/gunicorn.py) are built from them.
FILTERS = {"mask_personal": {"()": "zoufang.core.logging.MaskPersonalNumbers"}}
FORMATTERS = {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}}


def masked_stream_handler(**extra: str) -> dict:
    """A logging.StreamHandler config entry whose lines go through MaskPersonalNumbers."""
    return {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "filters": ["mask_personal"],
        **extra,
    }


def has_personal_number(text: str) -> bool:
    """Whether text holds a full ID number or mobile phone (so it must stay out of URLs)."""
    return _PERSONAL.search(text) is not None


def mask_personal_numbers(text: str) -> str:
    return _PERSONAL.sub(
        lambda m: mask_id_number(m[0]) if len(m[0]) == 18 else mask_phone(m[0]), text
    )


class MaskPersonalNumbers(logging.Filter):
    """Rewrites the record's message (and its exception text) with the numbers masked.
    Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text)
        return True
