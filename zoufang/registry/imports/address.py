"""A full-text address (现住址 `许昌市魏都区文峰路123号4号楼2单元301室`, `鄢陵县马栏镇丁庄村3组12号`)
read into the registry's address parts. Pure Python, no database; every parse is cached per
distinct string (`parse_address`), since the rows of one dwelling repeat their address.

Two steps (docs/decisions/0006-address-parsing.md):

- The administrative prefix (province, prefecture, county) is matched against the names of
  GB/T 2260, read from the region table python-stdnum already ships for ID numbers (`cn/loc.dat`),
  so that `郑州市金水区…` is known to name another county, not guessed into ours.
- The rest by one grammar: town (镇、乡、街道), community or village (社区、村) with its group
  (组), road (路、街、道、巷、胡同、大道) and number (号), compound (小区、院…), building (号楼、栋、幢、
  座), unit (单元), floor (层), room (室、户). What the grammar cannot read is rejected with
  the text and a hint, never put into a part it may not belong to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from django.utils.translation import gettext as _

from zoufang.registry import normalize as norm

# A county-level code renamed by a reform keeps its old addresses: 许昌县 (411023) became
# 建安区 (411003) in 2016. GB/T 2260 gives both codes, not the link between them.
FORMER_CODES = {"411003": ("411023",)}
# Names in the region table that are no place of an address (city districts as a whole).
_NOT_PLACES = {"市辖区", "市区", "郊区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Regions:
    provinces: dict[str, str]  # name and short name -> 2-digit code
    prefectures: dict[str, str]  # name -> 4-digit code
    short_prefectures: dict[str, str]  # 许昌 -> 4110: only before a county name
    counties: dict[str, frozenset[str]]  # name -> 6-digit codes (a name may repeat)
    names: dict[str, frozenset[str]]  # 6-digit code -> its names over the years
    # The first two characters of every name -> the lengths of the names starting so (longest
    # first): most addresses' first characters start no name, and are passed over at once.
    lengths: dict[str, tuple[int, ...]]


def _names(field: str) -> list[str]:
    """`[1983-1987]新密区,[1994-]新密市` -> the names, year ranges dropped."""
    return [re.sub(r"^\[[^\]]*\]", "", part).strip() for part in field.split(",") if part]


@lru_cache(maxsize=1)
def regions() -> Regions:
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    provinces: dict[str, str] = {}
    prefectures: dict[str, str] = {}
    short_prefectures: dict[str, str] = {}
    counties: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    province = ""
    for line in text.splitlines():
        m = re.match(r'^(\s*)(\d+) \w+="([^"]*)"', line)
        if not m:
            continue
        if not m[1]:
            province = m[2]
            for name in _names(m[3]):
                provinces[name] = province
                provinces[
                    re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", name)
                ] = province
            continue
        code = province + m[2]
        found = [n for n in _names(m[3]) if n and n not in _NOT_PLACES]
        if code.endswith("0000"):
            continue
        if code.endswith("00"):
            for name in found:
                prefectures[name] = code[:4]
                if name.endswith("市") and len(name) > 2:
                    short_prefectures.setdefault(name[:-1], code[:4])
            continue
        names.setdefault(code, set()).update(found)
        for name in found:
            if len(name) > 2 or not name.endswith("区"):  # 城区, 东区: words, not only places
                counties.setdefault(name, set()).add(code)
    lengths: dict[str, set[int]] = {}
    for name in (*provinces, *prefectures, *short_prefectures, *counties):
        lengths.setdefault(name[:2], set()).add(len(name))
    return Regions(
        provinces,
        prefectures,
        short_prefectures,
        {k: frozenset(v) for k, v in counties.items()},
        {k: frozenset(v) for k, v in names.items()},
        {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
    )


@lru_cache(maxsize=4096)
def county_names(code: str) -> frozenset[str]:
    """The names a county-level unit's GB/T 2260 code has had (魏都区 for 411002; 建安区 and
    许昌县 for 411003)."""
    table = regions().names
    found = set(table.get(code, ()))
    for former in FORMER_CODES.get(code, ()):
        found.update(table.get(former, ()))
    return frozenset(found)


def _longest(text: str, pos: int, names: dict, lengths: dict[str, tuple[int, ...]]) -> str:
    for n in lengths.get(text[pos : pos + 2], ()):
        if text[pos : pos + n] in names:
            return text[pos : pos + n]
    return ""


@dataclass(frozen=True)
class Prefix:
    prefecture: str  # 4-digit code or ""
    county: str  # the county's name as written, or ""
    rest: str


def split_prefix(text: str) -> Prefix:
    """Province, prefecture and county at the start of a compact address, by GB/T 2260 names.
    A county name wins over a prefecture's short name (许昌县 is not 许昌 + 县)."""
    reg = regions()
    pos = 0
    name = _longest(text, pos, reg.provinces, reg.lengths)
    if name and not _longest(text, pos, reg.counties, reg.lengths):
        pos += len(name)
    prefecture = ""
    name = _longest(text, pos, reg.prefectures, reg.lengths)
    if name:  # 许昌市 was also a county-level city once: as a prefix it is the prefecture
        prefecture = reg.prefectures[name]
        pos += len(name)
    elif not _longest(text, pos, reg.counties, reg.lengths):
        name = _longest(text, pos, reg.short_prefectures, reg.lengths)
        if name and _longest(text, pos + len(name), reg.counties, reg.lengths):
            prefecture = reg.short_prefectures[name]
            pos += len(name)
    county = _longest(text, pos, reg.counties, reg.lengths)
    pos += len(county)
    return Prefix(prefecture, county, text[pos:])


# ---- the grammar below the county ------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十]{1,3})(?=组|队|单元|号楼|栋|幢|座|层|楼)")


def _cn_to_int(text: str) -> str:
    if "十" not in text:
        return "".join(str(_CN_DIGITS[c]) for c in text)
    tens, _sep, ones = text.partition("十")
    return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


H = r"\u4e00-\u9fff"  # CJK ideographs
N = r"[0-9]+"
NUM = r"[0-9]+(?:[-之][0-9]+)?[A-Za-z]?"
# A name's characters: no digit and none of the words that end or follow a name.
NAME = rf"(?:(?![号楼栋幢座单元室层户组路街巷])[{H}])"
TOWN = rf"(?:(?![号楼栋幢座单元室层户组])[{H}])"  # 西大街街道: a town may be named by a street
_GRAMMAR = re.compile(
    rf"""
    (?P<town>{TOWN}{{1,8}}?(?:街道办事处|街道|镇|乡))?
    (?:(?P<village>{NAME}{{1,10}}?(?:社区居委会|居委会|村委会|村民委员会|社区|村))
       (?:(?P<group>{N})(?:村民小组|村民组|组|队))?
       (?:(?P<vnumber>{NUM})号)?)?
    (?:(?P<road>(?:{NAME}|[0-9A-Za-z]){{1,15}}?(?:大道|大街|胡同|路|街|巷|道|里|弄)(?:[东西南北中]段)?)
       (?:(?P<number>{NUM})号(?:院)?)?)?
    (?:(?P<compound>(?:{NAME}|[0-9A-Za-z]){{1,20}}?(?:小区|花园|家园|公寓|大厦|新村|苑|院|城|庄园))
       (?:(?P<cnumber>{NUM})号院?)?)?
    (?:(?P<b3>{N})-(?P<e3>{N})-(?P<r3>{N})
      |(?:(?P<building>{NUM})(?:号楼|栋|幢|座|号院))?
       (?:(?P<entrance>{N})单元)?
       (?:(?P<floor>-?{N})(?:层|楼))?
       (?:(?P<room>{NUM})(?P<rsuf>室|户|号)?)?)
    """,
    re.VERBOSE,
)

# Registry column widths (registry.models.Place).
_WIDTHS = {"road": 100, "house_number": 30, "building": 30, "entrance": 20, "room": 20}


@dataclass(frozen=True)
class Address:
    """An address read from one text: the parts the registry keeps, and the names that find
    the beat (county, community or village)."""

    text: str  # the whole address, cleaned
    county: str  # the county named in the prefix, or ""
    prefecture: str  # the prefecture's 4-digit code named in the prefix, or ""
    village: str  # 文峰社区 / 丁庄村, or ""
    road: str
    house_number: str
    building: str
    entrance: str
    room: str

    @property
    def parts(self) -> tuple[str, str, str, str, str]:
        return (self.road, self.house_number, self.building, self.entrance, self.room)


def _hint() -> str:
    return _(
        "write it as 文峰路123号4号楼2单元301室 or 丁庄村3组12号, or use the columns 街路巷、门牌号、楼栋、单元、房号"
    )


def _no_road(text: str) -> norm.Bad:
    return norm.Bad(
        _("The address “%(text)s” names no road, village or compound: %(hint)s.")
        % {"text": text, "hint": _hint()}
    )


def _unread(rest: str) -> norm.Bad:
    m = _GRAMMAR.match(rest)
    read = rest[: m.end()] if m else ""
    return norm.Bad(
        _("Could not read the address from “%(text)s” on: %(hint)s.")
        % {"text": rest[len(read) :] or rest, "hint": _hint()}
    )


@lru_cache(maxsize=65536)
def parse_address(value: str) -> Address:
    """The address parts of a full-text address, or Bad with the text that could not be read
    and a hint. `value` is the cell as text (callers pass clean_text of the cell)."""
    text = norm.clean_text(value).replace(" ", "")
    if not text:
        raise norm.Bad(_("The address is missing."))
    compact = text.replace("（", "(").replace("）", ")")
    if "(" in compact:
        compact = re.sub(r"\([^)]*\)", "", compact)
    compact = compact.replace("#", "号")
    prefix = split_prefix(compact)
    rest = _CN_NUMBER.sub(lambda m: _cn_to_int(m[1]), prefix.rest)
    if not rest:
        raise _no_road(text)
    m = _GRAMMAR.fullmatch(rest)
    if m is None:
        raise _unread(rest)
    g = m.groupdict()
    road, number = g["road"] or "", g["number"] or ""
    village = beat_village_key(g["village"] or "")
    compound = g["compound"] or ""
    if not road and village:
        road = village + (f"{g['group']}组" if g["group"] else "")
        number = g["vnumber"] or ""
    if compound:
        # A compound with a road: its name follows the number (文峰路123号建业小区), so the
        # address reads as written; without a road it is the road of the address.
        if road:
            number = f"{number}号{compound}" if number else compound
        else:
            road = compound
        if g["cnumber"]:
            number = f"{number}{g['cnumber']}号" if number else g["cnumber"]
    if not road:
        raise _no_road(text)
    room = g["r3"] or g["room"] or ""
    building, entrance = g["b3"] or g["building"] or "", g["e3"] or g["entrance"] or ""
    if room and not (number or building or entrance or g["floor"]) and g["rsuf"] in (None, "号"):
        number, room = room, ""  # 文峰路123 / 丁庄村12号: the number of the house, not a room
    if g["floor"] and not room:
        room = f"{g['floor']}层"
    parsed = Address(
        text=text,
        county=prefix.county,
        prefecture=prefix.prefecture,
        village=village,
        road=road,
        house_number=number,
        building=building,
        entrance=entrance,
        room=room,
    )
    for name, part in zip(_WIDTHS, parsed.parts, strict=True):
        if len(part) > _WIDTHS[name]:
            raise norm.Bad(_("The address “%(text)s” is too long to read.") % {"text": text})
    return parsed


def beat_village_key(name: str) -> str:
    """A community or village name as written in addresses and in unit names alike:
    丁庄村委会 / 丁庄村村民委员会 / 丁庄村 -> 丁庄村; 文峰社区居委会 -> 文峰社区."""
    for suffix, short in (
        ("村民委员会", ""),
        ("村委会", "村"),
        ("社区居委会", "社区"),
        ("居委会", "社区"),
    ):
        if name.endswith(suffix):
            name = name[: -len(suffix)] + short
            if not name.endswith(("村", "社区")):
                name += "村"
            break
    return name
