"""Validators for organisation data; messages are shown to users in their language."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers, or landlines with area code (0374-1234567 in Xuchang).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Police numbers (警号) are six digits; auxiliary numbers are a letter prefix and digits.
OFFICER_NUMBER_RE = re.compile(r"^\d{6}$")
AUXILIARY_NUMBER_RE = re.compile(r"^[A-Z]{1,2}\d{4,8}$")
UNIT_CODE_RE = re.compile(r"^\d{6,12}$")


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            _(
                "Enter a mobile number of 11 digits starting with 1, or a landline such as 0374-1234567."
            ),
            code="invalid_phone",
        )


def validate_unit_code(value: str) -> None:
    if not UNIT_CODE_RE.match(value or ""):
        raise ValidationError(
            _("A unit code is 6 to 12 digits (county-level units use their GB/T 2260 code)."),
            code="invalid_unit_code",
        )
