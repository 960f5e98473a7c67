"""Cleaning of the values real bureau spreadsheets hold: full-width characters, stray spaces,
ID numbers that Excel turned into numbers, Excel and text dates, yes/no in many spellings.

Each `parse_*` returns the clean value or raises `Bad(reason)`; a reason is shown to the user
with the row number and column, so it says what is wrong and what to do. Nothing is guessed:
an ID number that lost digits is rejected, not repaired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\ufeff\u3000]+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class Bad(ValueError):
    """A cell value that cannot be accepted; the message is the reason shown to the user."""


def clean_text(value: object) -> str:
    """Full-width to half-width (NFKC), stray spaces trimmed and collapsed.

    Called for nearly every cell of an import, so the common cases take the quick way:
    str.split() collapses the same whitespace as `_SPACES`; only text that is still not
    printable after NFKC (zero-width characters) goes through the regular expression."""
    if value is None:
        return ""
    if value.__class__ is str:
        text = value
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():
            return _SPACES.sub(" ", text).strip()
    return " ".join(text.split())


def clean_compact(value: object) -> str:
    """As clean_text, without any inner spaces (codes, numbers)."""
    return clean_text(value).replace(" ", "").replace("-", "")


def clean_id_text(value: object) -> str:
    return clean_compact(value).upper()


def clean_phone_text(value: object) -> str:
    return clean_compact(value).replace("+86", "", 1) if value else ""


# ---- ID numbers ------------------------------------------------------------------------------


# The region rule. A citizen's number carries the code of the place where it was *issued*,
# which may be younger than the person (a man born in 1960 who got his card in 魏都区 in 1990
# has 411002…) or older than today's map (许昌县 411023, now 建安区 411003). So a number is
# accepted when its province is real; a six-digit code that never existed (in stdnum's dated
# table or the supplement below) is a warning on the record (Person.region_unknown), not a
# rejection: refusing a real resident is worse than flagging a typo the check digit missed.

# Codes of the local city (许昌市), dated, so that a code newer than the installed stdnum table
# still counts. (code: name, first year, last year or None). Sources: the 中华人民共和国行政区划
# 代码 lists of the Ministry of Civil Affairs; stdnum's table as of python-stdnum 2.2.
LOCAL_REGIONS: dict[str, tuple[str, int, int | None]] = {
    "411000": ("许昌市", 1986, None),
    "411001": ("许昌市市辖区", 1986, None),
    "411002": ("魏都区", 1986, None),
    "411003": ("建安区", 2016, None),  # replaced 许昌县 411023
    "411021": ("禹县", 1986, 1988),  # became 禹州市 411081
    "411022": ("长葛县", 1986, 1993),  # became 长葛市 411082
    "411023": ("许昌县", 1986, 2016),  # became 建安区 411003
    "411024": ("鄢陵县", 1986, None),
    "411025": ("襄城县", 1997, None),  # from 平顶山市 (410425) in 1997
    "411081": ("禹州市", 1989, None),
    "411082": ("长葛市", 1993, None),
    "412600": ("许昌地区", 1949, 1986),  # before 1986 the city's counties were 4126xx
    "412601": ("许昌市", 1949, 1986),
    "412624": ("许昌县", 1949, 1986),
    "410425": ("襄城县", 1986, 1997),
}


@lru_cache(maxsize=4096)
def region_known(code: str) -> bool:
    """Whether a six-digit region code has ever existed, at any date."""
    if code in LOCAL_REGIONS:
        return True
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info and len(code) == 6


@lru_cache(maxsize=64)
def province_known(code: str) -> bool:
    from stdnum import numdb

    return any("province" in props for _part, props in numdb.get("cn/loc").info(code[:2]))


def id_region_known(number: str) -> bool:
    """For a number parse_id_number accepted: whether its region code ever existed (False
    marks the record for checking, see Person.region_unknown)."""
    return region_known(number[:6])


def parse_id_number(value: object) -> tuple[str, str, dt.date]:
    """(ID number, sex "M"/"F", birth date); checked as stdnum.cn.ric does (length, digits,
    check digit, birth date) and the province code. The six-digit region code is not a reason
    to refuse (see `region_known` above): ask `id_region_known` to flag the record."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise Bad(
            _(
                "The ID number was stored as a number, so Excel has dropped its last digits "
                "(%(value)s). Format the column as text and enter it again."
            )
            % {"value": mask_id(_number_repr(value))}
        )
    text = clean_id_text(value)
    if not text:
        raise Bad(_("The ID number is missing."))
    if "E" in text and re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
        raise Bad(
            _(
                "The ID number is in scientific notation (%(value)s): its digits are lost. "
                "Format the column as text and enter it again."
            )
            % {"value": text}
        )
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) != 18:
        if len(text) == 17 and text.isdigit():
            raise Bad(
                _(
                    "The ID number has 17 digits: a digit was lost (a leading zero?). It is not guessed."
                )
            )
        raise Bad(_("An ID number has 18 characters; this one has %(n)s.") % {"n": len(text)})
    if not text[:-1].isdigit():
        raise Bad(_("An ID number is 17 digits and a digit or X."))
    if text[-1] != ric.calc_check_digit(text):
        raise Bad(_("The ID number's check digit is wrong."))
    try:
        # What ric.get_birth_date does, without compacting the number once more: the text is
        # already 17 digits and a check character (a third of the import's time went there).
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise Bad(_("The ID number holds no valid birth date.")) from exc
    if not province_known(text[:2]):
        raise Bad(_("The ID number's province code %(code)s does not exist.") % {"code": text[:2]})
    sex = "M" if int(text[16]) % 2 else "F"
    return text, sex, birth


def _number_repr(value: float | int) -> str:
    return f"{value:.15g}"


def mask_id(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


# ---- phones ----------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def parse_phone(value: object) -> str:
    """A mobile (11 digits) or a landline with area code (0374-1234567); "" when blank."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        if not value.is_integer():
            raise Bad(_("The phone number is not a whole number."))
        value = int(value)
    text = clean_phone_text(value).replace("(", "").replace(")", "")
    if not text:
        return ""
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    if text.isdigit() and len(text) in {7, 8}:
        return text  # a local landline without the area code
    raise Bad(_("Not a phone number: use 11 digits for a mobile or 0374-1234567 for a landline."))


def mask_phone(value: str) -> str:
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


# ---- credit codes, dates, booleans, numbers --------------------------------------------------


def parse_credit_code(value: object) -> str:
    text = clean_id_text(value)
    if not text:
        return ""
    try:
        return uscc.validate(text)
    except StdnumError as exc:
        raise Bad(_("Not a valid unified social credit code: %(value)s") % {"value": text}) from exc


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value: object) -> dt.date | None:
    """Excel dates (date cells or serial numbers) and text dates: 2024-6-21, 2024/06/21,
    2024.6.21, 2024年6月21日, 20240621."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise Bad(_("Not a date: %(value)s") % {"value": value})
    text = clean_compact(value) if "-" not in str(value) else clean_text(value).replace(" ", "")
    if not text:
        return None
    if text.isdigit() and len(text) <= 5:
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(text.split(" ")[0])
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise Bad(_("Not a date: %(value)s (use 2024-06-21)") % {"value": text})


_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "涉及"}
_NO = {"否", "无", "n", "no", "false", "0", "×", "不涉及", "没有"}


def parse_bool(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = clean_compact(value).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise Bad(_("Write 是 or 否, not %(value)s.") % {"value": text})


def parse_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        if not value.is_integer():
            raise Bad(_("Not a whole number: %(value)s") % {"value": value})
        return int(value)
    text = clean_compact(value).replace(",", "").removesuffix("人")
    if not text:
        return None
    if not text.isdigit():
        raise Bad(_("Not a whole number: %(value)s") % {"value": text})
    return int(text)


def parse_quantity(value: object) -> Decimal | None:
    """A non-negative quantity with at most two decimals (key items: 12, 2.5, 1,200)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float):
        text = repr(value)
    else:  # not clean_compact: it drops "-", and -1 is no quantity
        text = clean_text(value).replace(" ", "").replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Bad(
            _("Not a number: %(value)s (write the measure in its own column)") % {"value": text}
        ) from None
    if not number.is_finite() or number < 0:
        raise Bad(_("Not a quantity: %(value)s") % {"value": text})
    if number != number.quantize(Decimal("0.01")):
        raise Bad(_("At most two decimals: %(value)s") % {"value": text})
    if number >= Decimal("1e10"):
        raise Bad(_("Too large a quantity: %(value)s") % {"value": text})
    return number.quantize(Decimal("0.01"))


# ---- addresses -------------------------------------------------------------------------------

# The codes `address_code` makes: the beat code, "-" and 12 lowercase hex digits.
_MADE_CODE = re.compile(r"(\d+)-([0-9a-fA-F]{12})")


def clean_address_code(value: object) -> str:
    """An address code from a file: a bureau's code compacted and upper-cased; a code this
    registry made (an export's 地址编码 column) kept as it was made, so it finds its place."""
    text = clean_text(value).replace(" ", "")
    made = _MADE_CODE.fullmatch(text)
    if made:
        return f"{made[1]}-{made[2].lower()}"
    return text.replace("-", "").upper()


def address_code(
    beat_code: str, road: str, number: str, building: str, entrance: str, room: str
) -> str:
    """A stable code for an address that has none in the file: the beat code and a hash of the
    normalised address parts, so the same address always gets the same code."""
    key = "|".join(p.replace(" ", "") for p in (road, number, building, entrance, room))
    return f"{beat_code}-{hashlib.blake2b(key.encode(), digest_size=6).hexdigest()}"


_PREFIXES = re.compile(r"^(河南省)?(许昌市)?")


def is_separated(registered: str, actual: str) -> bool:
    """人户分离: the registered residence (户籍地) is known and is not the actual residence.
    Addresses are compared without spaces and without the province and city prefix, and a
    registered address that ends with the actual one (a fuller spelling) counts as the same."""
    if not registered or not actual:
        return False
    reg = _PREFIXES.sub("", registered.replace(" ", ""))
    act = _PREFIXES.sub("", actual.replace(" ", ""))
    return not (reg == act or reg.endswith(act) or act.endswith(reg))


def build_id_number(region: str, birth: dt.date, seq: int, *, male: bool) -> str:
    """A well-formed ID number (for demo and test data): region, birth date, a sequence whose
    last digit is odd for men and even for women, and the check digit."""
    seq3 = (seq % 500) * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{seq3:03d}"
    return body + ric.calc_check_digit(body + "0")
