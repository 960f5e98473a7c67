"""How a row of an import file becomes a staging tuple: each cell cleaned and checked (nothing is
guessed), or a rejection per bad cell (through `reject`). Runs in the import's reader thread:
no database access here (`Context` loads what it needs up front).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zoufang.core.scope import Scope
from zoufang.org.models import Unit
from zoufang.registry import normalize as norm
from zoufang.registry.crypto import Sealer
from zoufang.registry.fields import ORG_FLAG_FIELDS
from zoufang.registry.imports.address import Address, beat_village_key, county_names, parse_address
from zoufang.registry.imports.headers import EXTRA
from zoufang.registry.models import Household, KeyItem, KeyPerson, Person, Place, compose_address


class Context:
    """What preparing rows needs to know: the beats the job may write to, and the keys."""

    def __init__(self, unit: Unit, scope_path: str) -> None:
        self.unit = unit
        # The job writes only into the intersection of the chosen unit and the user's scope;
        # the caller has checked that the unit is inside the scope, so it is the unit's subtree.
        self.path = unit.path if unit.path.startswith(scope_path) else scope_path
        self.beats: dict[str, tuple[int, str, str]] = {}
        self.beat_names: dict[str, tuple[int, str, str] | None] = {}
        # Community and village names as addresses spell them (丁庄村委会 -> 丁庄村).
        self.villages: dict[str, list[tuple[int, str, str]]] = {}
        self.village_of: dict[str, str] = {}  # beat code -> its name as addresses spell it
        for pk, code, name, path in Unit.objects.filter(
            level=Unit.Level.BEAT, path__startswith=self.path
        ).values_list("pk", "code", "name", "path"):
            self.beats[code] = (pk, code, path)
            # A name shared by two beats of the subtree is ambiguous: the code is needed.
            self.beat_names[name] = None if name in self.beat_names else (pk, code, path)
            self.villages.setdefault(beat_village_key(name), []).append((pk, code, path))
            self.village_of[code] = beat_village_key(name)
        self.default_beat = self.beats.get(unit.code) if unit.level == Unit.Level.BEAT else None
        # Every other unit, so that preparing rows never touches the database (it runs in a
        # reader thread): a code or name found here is outside the job's subtree.
        self.elsewhere: set[str] = set()
        for code, name in Unit.objects.exclude(path__startswith=self.path).values_list(
            "code", "name"
        ):
            self.elsewhere.update((code, name))
        self.sealer = Sealer()
        self.now = timezone.now()
        self._outside: dict[str, bool] | None = None
        self.last_place: tuple[tuple, tuple | None] = ((), None)  # see _place_part
        self.extra_keys: tuple[str, ...] | None = None  # see _extra
        self.roads = self._known_roads() if self.default_beat is None else {}

    def _known_roads(self) -> dict[tuple[str, str], list[tuple[int, str, str]]]:
        """Road and number -> the beats the registry already has them in: how a file for many
        beats finds the beat of an address that names no community (most urban ones)."""
        from zoufang.registry.models import Place

        by_pk = {beat[0]: beat for beat in self.beats.values()}
        roads: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        rows = (
            Place.objects.filter(Scope(path=self.path).q("unit_path"))
            .exclude(road="")
            .values_list("road", "house_number", "beat_id")
            .distinct()
        )
        for road, number, beat_id in rows.iterator(chunk_size=5000):
            if beat_id in by_pk:
                found = roads.setdefault((road, number), [])
                if by_pk[beat_id] not in found:
                    found.append(by_pk[beat_id])
        return roads

    def resolve_beat(self, value: Any) -> tuple[int, str, str]:
        text = norm.clean_text(value)
        if not text:
            if self.default_beat is None:
                raise norm.Bad(
                    _("The beat is missing: importing into a station or county needs a beat code.")
                )
            return self.default_beat
        code = text.replace(" ", "")
        if code in self.beats:
            return self.beats[code]
        named = self.beat_names.get(text)
        if named:
            return named
        if text in self.beat_names:
            raise norm.Bad(_("Two beats have this name; give the beat code."))
        if code in self.elsewhere or text in self.elsewhere:
            raise norm.Bad(_("This beat is outside your jurisdiction."))
        raise norm.Bad(_("Unknown beat: %(v)s") % {"v": text})

    def beat_of_address(self, cell: Any, addr: Address) -> tuple[int, str, str]:
        """The beat of a full-text address: the beat column's when the file has one (or the
        job's beat), else found by the address; its county checked against the prefix."""
        if norm.clean_text(cell) or self.default_beat is not None:
            beat = self.resolve_beat(cell)
            named = addr.village
            if (
                named
                and named != self.village_of.get(beat[1])
                and (named in self.villages or named in self.elsewhere)
            ):
                raise norm.Bad(
                    _("The address names %(name)s, another beat than this row's.") % {"name": named}
                )
        else:
            beat = self._beat_by_address(addr)
        _check_county(addr, beat[2])
        return beat

    def _beat_by_address(self, addr: Address) -> tuple[int, str, str]:
        def in_county(beats: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
            if not addr.county:
                return beats
            return [b for b in beats if addr.county in county_names(_county_code(b[2]))]

        found = in_county(self.roads.get((addr.road, addr.house_number), []))
        if len(found) == 1:
            return found[0]
        if addr.village:
            named = in_county(self.villages.get(addr.village, []))
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise norm.Bad(_("Two beats have this name; give the beat code."))
            if addr.village in self.elsewhere or beat_village_key(addr.village) in self.elsewhere:
                raise norm.Bad(_("%(name)s is outside your jurisdiction.") % {"name": addr.village})
        raise norm.Bad(
            _(
                "The beat of this address cannot be found: the registry has no address "
                "%(road)s %(number)s in your jurisdiction yet and the address names no "
                "community or village of it. Add a column 社区编码 with the beat code."
            )
            % {"road": addr.road, "number": addr.house_number}
        )


def _county_code(path: str) -> str:
    """A beat's county-level unit code (the GB/T 2260 code of its district or county)."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else ""


def _check_county(addr: Address, path: str) -> None:
    code = _county_code(path)
    if addr.prefecture and not code.startswith(addr.prefecture):
        raise norm.Bad(
            _("The address %(text)s is in another city than the beat.") % {"text": addr.text}
        )
    if not addr.county:
        return
    names = county_names(code)
    if addr.county not in names:
        raise norm.Bad(
            _("The address names %(county)s, but the beat is in %(ours)s.")
            % {"county": addr.county, "ours": "、".join(sorted(names)) or code}
        )


def _place_part(
    ctx: Context, v: dict[str, Any], reject: Callable, *, dwelling: bool
) -> tuple | None:
    # The rows of one dwelling usually follow each other: the same raw address cells give
    # the same place part, so it is worked out once (only for an address that was accepted).
    raw = tuple(map(v.get, _PLACE_KEYS))
    if raw == ctx.last_place[0]:
        return ctx.last_place[1]
    del dwelling  # the same address parts for every kind of place
    full = norm.clean_text(v.get("full_address"))
    split = any(v.get(k) not in (None, "") for k in _SPLIT_KEYS)
    if full and not split:
        part = _text_place(ctx, v, full, reject)
    elif not split and "full_address" in v and not any(k in v for k in _SPLIT_KEYS):
        reject("full_address", "", _("The address is missing."))
        part = None
    else:  # the split columns win; the full text stays the residents' address text
        part = _split_place(ctx, v, reject)
    if part is not None:
        ctx.last_place = (raw, part)
    return part


def _split_place(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    try:
        beat_id, beat_code, path = ctx.resolve_beat(v.get("beat"))
    except norm.Bad as exc:
        reject("beat", v.get("beat"), str(exc))
        return None
    road = norm.clean_text(v.get("road"))
    number = norm.clean_compact(v.get("house_number")).removesuffix("号")
    building = norm.clean_compact(v.get("building")).removesuffix("栋").removesuffix("号楼")
    entrance = norm.clean_compact(v.get("entrance")).removesuffix("单元")
    room = norm.clean_compact(v.get("room")).removesuffix("室")
    code = norm.clean_address_code(v.get("address_code"))
    if not code and not road:
        reject("road", "", _("The address is missing: give the road (街路巷) or the address code."))
        return None
    address = compose_address(road, number, building, entrance, room)
    code = code or norm.address_code(beat_code, road, number, building, entrance, room)
    return (beat_id, path, code, road, number, building, entrance, room, address)


def _text_place(ctx: Context, v: dict[str, Any], full: str, reject: Callable) -> tuple | None:
    """The place of a row whose address is one text (imports.address)."""
    try:
        addr = parse_address(full)
        beat_id, beat_code, path = ctx.beat_of_address(v.get("beat"), addr)
    except norm.Bad as exc:
        reject("full_address", full, str(exc))
        return None
    parts = addr.parts
    code = norm.address_code(beat_code, *parts)
    return (beat_id, path, code, *parts, compose_address(*parts))


_SPLIT_KEYS = ("road", "house_number", "building", "entrance", "room", "address_code")
_PLACE_KEYS = ("beat", *_SPLIT_KEYS, "full_address")


def _extra(ctx: Context, v: dict[str, Any], kept: dict[str, str] | None) -> str | None:
    """The row's extra fields (columns the registry has no place for, and `kept` values the
    registry has no word for) as JSON, or None."""
    keys = ctx.extra_keys
    if keys is None:  # the file's extra columns: the same keys in every row of a job
        keys = ctx.extra_keys = tuple(k for k in v if k.startswith(EXTRA))
    if not keys and not kept:
        return None
    found = dict(kept or {})
    for key in keys:
        text = norm.clean_text(v.get(key))
        if text:
            found[key[len(EXTRA) :]] = text[:255]
    return json.dumps(found, ensure_ascii=False, sort_keys=True) if found else None


def _id_part(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    try:
        number, sex, birth = norm.parse_id_number(v.get("id_number"))
    except norm.Bad as exc:
        reject("id_number", v.get("id_number"), str(exc))
        return None
    s = ctx.sealer
    return (
        s.encrypt(number),
        s.hash(number),
        norm.mask_id(number),
        sex,
        birth,
        not norm.id_region_known(number),
    )


def _phone_part(ctx: Context, v: dict[str, Any], key: str, reject: Callable) -> tuple:
    try:
        phone = norm.parse_phone(v.get(key))
    except norm.Bad as exc:
        reject(key, v.get(key), str(exc))
        return ("", "", "")
    s = ctx.sealer
    return (s.encrypt(phone), s.hash(phone), norm.mask_phone(phone))


USE_WORDS = {
    "自住": Household.Use.OWNER,
    "自有": Household.Use.OWNER,
    "自有住房": Household.Use.OWNER,
    "出租": Household.Use.RENTED,
    "租赁": Household.Use.RENTED,
    "租住": Household.Use.RENTED,
    "出租房屋": Household.Use.RENTED,
    "租赁房屋": Household.Use.RENTED,
    "借用": Household.Use.BORROWED,
    "借用空房": Household.Use.BORROWED,
    "借住": Household.Use.BORROWED,
    "空置": Household.Use.VACANT,
    "空房": Household.Use.VACANT,
    "闲置": Household.Use.VACANT,
}
RELATION_WORDS = {
    "户主": Person.Relation.HOUSEHOLDER,
    "本人": Person.Relation.HOUSEHOLDER,
    "租户": Person.Relation.TENANT,
    "承租人": Person.Relation.TENANT,
    "租客": Person.Relation.TENANT,
}


def _choice(v: dict[str, Any], key: str, words: dict[str, str], reject: Callable) -> str:
    text = norm.clean_compact(v.get(key))
    if not text:
        return ""
    if text in words:
        return words[text]
    if text in words.values():
        return text
    reject(
        key, text, _("Unknown value %(v)s; use one of: %(w)s") % {"v": text, "w": "、".join(words)}
    )
    return ""


def _parsed(
    v: dict[str, Any], key: str, parse: Callable[[Any], Any], reject: Callable, default: Any = None
) -> Any:
    """The cell parsed by one of normalize's parse_* functions, or `default` and a rejection."""
    try:
        return parse(v.get(key))
    except norm.Bad as exc:
        reject(key, v.get(key), str(exc))
        return default


# A house used for business (经营) is none of the registry's uses: the word is kept as an
# extra field and the use left to the registry's default, not guessed.
BUSINESS_USE_WORDS = frozenset({"经营", "经营用房", "商用", "营业"})


def prepare_household(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    kept = None
    if norm.clean_compact(v.get("use")) in BUSINESS_USE_WORDS:
        kept = {"房屋用途": norm.clean_text(v["use"])}
        v = {**v, "use": None}
    place = _place_part(ctx, v, reject, dwelling=True)
    ident = _id_part(ctx, v, reject)
    phone = _phone_part(ctx, v, "phone", reject)
    landlord_phone = _phone_part(ctx, v, "landlord_phone", reject)
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name is missing."))
    use = _choice(v, "use", USE_WORDS, reject)
    # 配偶, 子女, 父亲 … are all family members; only the householder and tenants matter here.
    relation = RELATION_WORDS.get(norm.clean_compact(v.get("relation")), Person.Relation.MEMBER)
    living_since = _parsed(v, "living_since", norm.parse_date, reject)
    if place is None or ident is None or not name:
        return None
    registered = norm.clean_text(v.get("registered_address"))
    actual = norm.clean_text(v.get("actual_address")) or norm.clean_text(v.get("full_address"))
    separated = norm.is_separated(registered, actual or place[-1])
    return (
        *place,
        use,
        norm.clean_text(v.get("landlord_name")),
        landlord_phone[0],
        landlord_phone[2],
        landlord_phone[1],
        name[:50],
        *ident,
        *phone,
        relation,
        registered[:255],
        actual[:255],
        separated,
        living_since,
        _extra(ctx, v, kept),
    )


def _org_part(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name is missing."))
    credit = _parsed(v, "credit_code", norm.parse_credit_code, reject, "")
    phone = _phone_part(ctx, v, "contact_phone", reject)
    flags = [_parsed(v, k, norm.parse_bool, reject) for k in ORG_FLAG_FIELDS]
    opened = _parsed(v, "opened_on", norm.parse_date, reject)
    return (
        name[:100],
        credit,
        norm.clean_text(v.get("contact_name"))[:50],
        *phone,
        *flags,
        opened,
    )


SHOP_KIND_WORDS = {
    "沿街门店": Place.ShopKind.STREET,
    "沿街": Place.ShopKind.STREET,
    "门店": Place.ShopKind.STREET,
    "市井小店": Place.ShopKind.SMALL,
    "小店": Place.ShopKind.SMALL,
    "集市店铺": Place.ShopKind.MARKET,
    "集市": Place.ShopKind.MARKET,
    "摊位": Place.ShopKind.MARKET,
}


def prepare_shop(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    place = _place_part(ctx, v, reject, dwelling=False)
    kind = _choice(v, "shop_kind", SHOP_KIND_WORDS, reject)
    org = _org_part(ctx, v, reject)
    if place is None or org is None:
        return None
    return (
        *place,
        kind,
        *org,
        *(norm.clean_text(v.get(k))[:255] for k in ("business_scope", "operating_mode")),
        norm.clean_text(v.get("goods_source"))[:255],
        norm.clean_text(v.get("sales_destination"))[:255],
        norm.clean_text(v.get("owner_staff")),
    )


CATEGORY_WORDS = {
    "党政机关": Place.EnterpriseCategory.GOVERNMENT,
    "医院学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "医院": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "学校": Place.EnterpriseCategory.HOSPITAL_SCHOOL,
    "金融通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "金融": Place.EnterpriseCategory.FINANCE_TELECOM,
    "通信": Place.EnterpriseCategory.FINANCE_TELECOM,
    "车站码头": Place.EnterpriseCategory.STATION_DOCK,
    "水电气热": Place.EnterpriseCategory.UTILITIES,
    "厂矿企业": Place.EnterpriseCategory.FACTORY_MINE,
    "企业": Place.EnterpriseCategory.FACTORY_MINE,
    "其他": Place.EnterpriseCategory.OTHER,
}


def prepare_enterprise(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    place = _place_part(ctx, v, reject, dwelling=False)
    category = _choice(v, "category", CATEGORY_WORDS, reject)
    org = _org_part(ctx, v, reject)
    staff = _parsed(v, "staff_count", norm.parse_int, reject)
    if place is None or org is None:
        return None
    return (
        *place,
        category,
        *org,
        norm.clean_text(v.get("nature"))[:50],
        staff,
        norm.clean_text(v.get("staff_composition")),
        norm.clean_text(v.get("security_org"))[:100],
        norm.clean_text(v.get("protective_measures")),
        norm.clean_text(v.get("vital_parts")),
    )


# ---- key persons and key items: attached to records already in the registry ------------------
# Loaded by keyrecords.KeyRecordLoader, which finds the person (ID number hash) or the place
# (address code) and rejects rows whose record is missing or outside the job's subtree.

KEY_PERSON_CATEGORY_WORDS = {
    "涉稳": KeyPerson.Category.STABILITY,
    "涉稳人员": KeyPerson.Category.STABILITY,
    "涉恐": KeyPerson.Category.TERROR,
    "涉恐人员": KeyPerson.Category.TERROR,
    "涉毒": KeyPerson.Category.DRUGS,
    "涉毒人员": KeyPerson.Category.DRUGS,
    "吸毒人员": KeyPerson.Category.DRUGS,
    "刑满释放": KeyPerson.Category.RELEASED,
    "刑满释放人员": KeyPerson.Category.RELEASED,
    "刑释人员": KeyPerson.Category.RELEASED,
    "刑释解教人员": KeyPerson.Category.RELEASED,
    "肇事肇祸精神病": KeyPerson.Category.MENTAL,
    "肇事肇祸精神病人": KeyPerson.Category.MENTAL,
    "严重精神障碍患者": KeyPerson.Category.MENTAL,
    "精神病人": KeyPerson.Category.MENTAL,
    "在逃": KeyPerson.Category.FUGITIVE,
    "在逃人员": KeyPerson.Category.FUGITIVE,
    "涉黑涉恶": KeyPerson.Category.GANG,
    "涉黑涉恶人员": KeyPerson.Category.GANG,
    "涉黑": KeyPerson.Category.GANG,
    "涉恶": KeyPerson.Category.GANG,
    "其他": KeyPerson.Category.OTHER,
}
KEY_PERSON_LEVEL_WORDS = {
    "一般关注": KeyPerson.Level.WATCH,
    "一般": KeyPerson.Level.WATCH,
    "关注": KeyPerson.Level.WATCH,
    "重点关注": KeyPerson.Level.FOCUS,
    "重点": KeyPerson.Level.FOCUS,
    "严格管控": KeyPerson.Level.CONTROL,
    "严管": KeyPerson.Level.CONTROL,
    "管控": KeyPerson.Level.CONTROL,
}


def prepare_key_person(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    try:
        number, _sex, _birth = norm.parse_id_number(v.get("id_number"))
    except norm.Bad as exc:
        reject("id_number", v.get("id_number"), str(exc))
        number = ""
    category = _choice(v, "category", KEY_PERSON_CATEGORY_WORDS, reject)
    level = _choice(v, "control_level", KEY_PERSON_LEVEL_WORDS, reject)
    if not number:
        return None
    return (
        norm.mask_id(number),
        norm.clean_text(v.get("name"))[:50],
        ctx.sealer.hash(number),
        category,
        level,
        norm.clean_text(v.get("note")),
    )


KEY_ITEM_KIND_WORDS = {
    "危爆物品": KeyItem.Kind.EXPLOSIVE,
    "危险爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "民用爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "爆炸物品": KeyItem.Kind.EXPLOSIVE,
    "烟花爆竹": KeyItem.Kind.EXPLOSIVE,
    "剧毒化学品": KeyItem.Kind.TOXIC,
    "剧毒品": KeyItem.Kind.TOXIC,
    "管制刀具": KeyItem.Kind.KNIFE,
    "易制毒化学品": KeyItem.Kind.PRECURSOR,
    "易制毒": KeyItem.Kind.PRECURSOR,
    "放射性物品": KeyItem.Kind.RADIOACTIVE,
    "放射源": KeyItem.Kind.RADIOACTIVE,
    "枪支弹药": KeyItem.Kind.GUN,
    "枪支": KeyItem.Kind.GUN,
    "其他": KeyItem.Kind.OTHER,
}


def prepare_key_item(ctx: Context, v: dict[str, Any], reject: Callable) -> tuple | None:
    if norm.clean_text(v.get("address_code")) and not norm.clean_text(v.get("beat")):
        # The address code alone finds the place (and its beat): no beat column needed, even
        # when importing into a station or county.
        code = norm.clean_address_code(v.get("address_code"))
        place: tuple | None = (None, "", code, "", "", "", "", "", "")
    else:
        place = _place_part(ctx, v, reject, dwelling=False)
    kind = _choice(v, "kind", KEY_ITEM_KIND_WORDS, reject)
    if not kind and not norm.clean_text(v.get("kind")):
        reject("kind", "", _("The kind of item is missing."))
    name = norm.clean_text(v.get("name"))
    if not name:
        reject("name", "", _("The name of the item is missing."))
    quantity = _parsed(v, "quantity", norm.parse_quantity, reject)
    if place is None or not kind or not name:
        return None
    return (
        *place,
        kind,
        name[:100],
        quantity,
        norm.clean_text(v.get("measure"))[:10],
        norm.clean_text(v.get("holder"))[:100],
        norm.clean_text(v.get("storage"))[:255],
    )
