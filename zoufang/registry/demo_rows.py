"""The demo registry's rows, beat by beat, as plain tuples: both writers (the ORM one for
SQLite, the COPY one for PostgreSQL, see demo.py and demo_pg.py) store the same rows.

Fast enough for a city of 4 M persons: names come from a pool made once with Faker (fixed
seed), every other value from one seeded `random.Random`. ID numbers are well-formed GB 11643
numbers with the beat's county region code (or the code the county had when the person was
born) and a check digit; they and the phones are sealed with the registry's own crypto (AES-GCM,
about 3 µs a value, and a keyed hash) and masked with its own helpers.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from faker import Faker

from zoufang.registry.crypto import Sealer
from zoufang.registry.models import compose_address
from zoufang.registry.normalize import (
    LOCAL_REGIONS,
    address_code,
    build_id_number,
    mask_id,
    mask_phone,
)

SEED = 411000
ELSEWHERE = [
    "河南省郑州市金水区花园路",
    "河南省周口市川汇区七一路",
    "河南省漯河市源汇区人民路",
    "安徽省阜阳市颍州区清河路",
]
SHOP_SCOPES = [
    ("烟酒副食", "个体经营", "批发市场进货", "零售"),
    ("五金建材", "个体经营", "厂家直供", "零售、批发"),
    ("餐饮", "连锁加盟", "农贸市场采购", "堂食、外卖"),
    ("手机维修", "个体经营", "网上采购", "零售"),
    ("药品零售", "连锁经营", "医药公司配送", "零售"),
    ("废品回收", "个体经营", "居民回收", "销往回收站"),
]
SHOP_NAMES = [
    "便民超市",
    "五金店",
    "小吃店",
    "手机维修",
    "大药房",
    "回收站",
    "理发店",
    "水果店",
    "烟酒店",
    "快递驿站",
]
ENTERPRISES = [
    ("government", "街道办事处", "机关", "办公室值班", "门卫、监控", "档案室、机要室"),
    (
        "hospital_school",
        "中学",
        "事业单位",
        "保卫科",
        "门卫、一键报警、监控全覆盖",
        "化学实验室、配电房",
    ),
    ("finance_telecom", "银行支行", "国有企业", "安保部", "金库门禁、24小时监控", "金库、营业厅"),
    ("utilities", "供电所", "国有企业", "保卫部", "围墙、监控", "变电站"),
    ("factory_mine", "发制品厂", "民营企业", "保卫科", "门卫、监控", "原料库、锅炉房"),
    ("station_dock", "客运站", "国有企业", "治安室", "安检、监控", "候车厅、售票厅"),
]
KEY_PLACES = [("hotel", "宾馆"), ("internet_cafe", "网吧")]
KEY_ITEMS = [
    ("explosive", "烟花爆竹", "箱"),
    ("toxic", "氰化钠", "千克"),
    ("knife", "管制刀具", "把"),
    ("precursor", "硫酸", "升"),
]
KEY_CATEGORIES = ["stability", "terror", "drugs", "released", "mental", "fugitive", "gang", "other"]
KEY_LEVELS = ["watch", "focus", "control"]
USES = ["owner", "rented", "borrowed", "vacant"]
USE_CUMULATIVE = list(accumulate([70, 20, 4, 6]))
# Residents of an occupied household: 1 to 6, about 3.3 on average (3.1 a household).
SIZES = [1, 2, 3, 4, 5, 6]
SIZE_CUMULATIVE = list(accumulate([10, 20, 25, 25, 12, 8]))
# Realistic households per beat (triangular: low, high, mode); a community is bigger.
COMMUNITY_HOUSEHOLDS = (250, 1000, 400)
VILLAGE_HOUSEHOLDS = (200, 600, 250)
# Codes a county had before its present one (GB/T 2260): 建安区 was 许昌县 until 2017; before
# 1986 the whole prefecture was 许昌地区 (4123xx).
PREDECESSORS = {"411003": ["411023"]}
PREFECTURE_CODE = "412301"

# Column orders: the COPY writer names the same columns.
PLACE = ("kind", "shop_kind", "enterprise_category", "key_place_kind", "address_code", "name")
PLACE += ("road", "house_number", "building", "entrance", "room", "address")


def households_for(beat: Any, fixed: int | None = None) -> int:
    """How many households the beat holds: `fixed`, or 200–1,000 drawn per beat (from the
    beat's code, so a beat is the same size whatever else is built)."""
    if fixed is not None:
        return fixed
    low, high, mode = VILLAGE_HOUSEHOLDS if beat.beat_kind == "village" else COMMUNITY_HOUSEHOLDS
    rng = random.Random(f"households:{beat.code}")  # noqa: S311 - demo data
    return round(rng.triangular(low, high, mode))


@lru_cache(maxsize=1024)
def _existed_in(code: str, year: int) -> bool:
    """Did the city's region code exist in `year` (normalize.LOCAL_REGIONS, dated)?"""
    if code not in LOCAL_REGIONS:
        return False
    _name, first, last = LOCAL_REGIONS[code]
    return first <= year <= (last or 9999)


def region_code(county: str, year: int) -> str:
    """The region code of an ID number issued in the county to someone born in `year` (the
    code of that year: any code that ever existed is accepted, see normalize)."""
    for code in [county, *PREDECESSORS.get(county, [])]:
        if _existed_in(code, year):
            return code
    return PREFECTURE_CODE


@dataclass
class BeatRows:
    """One beat's registry. Households point at their dwelling by index into `places`,
    persons at their household by index into `households`, and so on."""

    places: list[tuple] = field(default_factory=list)
    households: list[tuple] = field(default_factory=list)  # place, use, landlord, head, sep.
    persons: list[tuple] = field(default_factory=list)  # household, then PERSON columns
    key_persons: list[tuple] = field(default_factory=list)  # person, category, level, note
    shops: list[tuple] = field(default_factory=list)  # place, then SHOP columns
    enterprises: list[tuple] = field(default_factory=list)  # place, then ENTERPRISE columns
    key_items: list[tuple] = field(default_factory=list)  # place, then KEY_ITEM columns


PERSON = ("name", "id_enc", "id_hash", "id_masked", "sex", "birth_date", "phone_enc")
PERSON += ("phone_hash", "phone_masked", "registered_address", "separated", "relation")
CONTACT = ("name", "contact_name", "contact_phone_enc", "contact_phone_hash")
CONTACT += ("contact_phone_masked", "opened_on", "key_industry", "key_items")
SHOP = (*CONTACT, "business_scope", "operating_mode", "goods_source", "sales_destination")
SHOP += ("owner_staff",)
ENTERPRISE = (*CONTACT, "category", "nature", "staff_count", "staff_composition")
ENTERPRISE += ("security_org", "protective_measures", "vital_parts")
KEY_ITEM = ("kind", "name", "quantity", "measure", "holder", "storage")


class RegistryMaker:
    """Makes the rows of one beat after another; one instance per build (ID sequences are
    counted across the whole city, so two people never share an ID number)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.names = [fake.name() for _ in range(4000)]
        self.sealer = Sealer()
        self.sequences: dict[tuple, int] = {}

    def beat(self, beat: Any, households: int) -> BeatRows:
        rows = BeatRows()
        stem = beat.name.removesuffix("社区").removesuffix("村")
        roads = [f"{stem}路", f"{stem}街", f"{stem}巷"]
        county = beat.code[:6]
        self._dwellings(rows, beat.code, roads, households)
        for n, place in enumerate(rows.places):
            self._household(rows, n, place[-1], county)
        self._key_persons(rows)
        self._org_places(rows, beat.code, stem, roads, households)
        return rows

    def _dwellings(self, rows: BeatRows, code: str, roads: list[str], households: int) -> None:
        for i in range(households):
            road = roads[i % 3]
            parts = (
                road,
                str(1 + i // 40),
                str(1 + (i // 10) % 4),
                str(1 + i % 2),
                str(101 + i % 10),
            )
            rows.places.append(
                (
                    "dwelling",
                    "",
                    "",
                    "",
                    address_code(code, *parts),
                    "",
                    *parts,
                    compose_address(*parts),
                )
            )

    def _household(self, rows: BeatRows, place: int, address: str, county: str) -> None:
        r = self.rng.random
        use = USES[bisect(USE_CUMULATIVE, r() * USE_CUMULATIVE[-1])]
        landlord = self.names[int(r() * len(self.names))] if use == "rented" else ""
        if use == "vacant":
            rows.households.append((place, use, landlord, None, False))
            return
        number = len(rows.households)
        head = len(rows.persons)
        separated = False
        for k in range(SIZES[bisect(SIZE_CUMULATIVE, r() * SIZE_CUMULATIVE[-1])]):
            relation = "householder" if k == 0 else ("tenant" if use == "rented" else "member")
            person = self._person(number, address, county, relation)
            separated = separated or person[11]
            rows.persons.append(person)
        rows.households.append((place, use, landlord, head, separated))

    def _person(self, household: int, address: str, county: str, relation: str) -> tuple:
        r, sealer = self.rng.random, self.sealer  # r() arithmetic: a third of randint's cost
        year = 1945 + int(r() * 71)
        birth = dt.date(year, 1 + int(r() * 12), 1 + int(r() * 28))
        male = r() < 0.5
        region = region_code(county, year)
        key = (region, birth, male)
        seq = self.sequences.get(key)
        if seq is None:
            seq = int(r() * 200)
        while seq >= 500:  # the day's numbers are used up: the next day
            birth += dt.timedelta(days=1)
            key = (region, birth, male)
            seq = self.sequences.get(key, 0)
        self.sequences[key] = seq + 1
        number = build_id_number(region, birth, seq, male=male)
        phone = f"13{int(r() * 10)}{10000000 + int(r() * 90000000)}" if year < 2008 else ""
        elsewhere = r() < 0.12
        # 人户分离 exactly when the registered residence is outside Xuchang (is_separated).
        registered = (
            f"{ELSEWHERE[int(r() * len(ELSEWHERE))]}{1 + int(r() * 200)}号"
            if elsewhere
            else f"河南省许昌市{address}"
        )
        return (
            household,
            self.names[int(r() * len(self.names))],
            sealer.encrypt(number),
            sealer.hash(number),
            mask_id(number),
            "M" if male else "F",
            birth,
            sealer.encrypt(phone),
            sealer.hash(phone),
            mask_phone(phone) if phone else "",
            registered,
            elsewhere,
            relation,
        )

    def _key_persons(self, rows: BeatRows) -> None:
        rng = self.rng
        for n in sorted(rng.sample(range(len(rows.persons)), min(3, len(rows.persons)))):
            rows.key_persons.append(
                (n, rng.choice(KEY_CATEGORIES), rng.choice(KEY_LEVELS), "社区民警每月见面核查一次")
            )

    def _org_places(
        self, rows: BeatRows, code: str, stem: str, roads: list[str], households: int
    ) -> None:
        """Shops (one per 13 households or so), enterprises (4–6), two key places and a key
        area, with their shops', enterprises' and key items' rows."""
        rng = self.rng
        first = len(rows.places)
        for i in range(max(1, households * 15 // 200)):
            self._org_place(
                rows, code, roads[i % 2], str(200 + i), f"{stem}{rng.choice(SHOP_NAMES)}"
            )
            rows.places[-1] = (
                "shop",
                rng.choice(["street", "small", "market"]),
                *rows.places[-1][2:],
            )
            self._shop(rows, len(rows.places) - 1)
        for i, spec in enumerate(ENTERPRISES[: min(6, 4 + households // 500)]):
            self._org_place(rows, code, roads[2], str(300 + i), f"{stem}{spec[1]}")
            rows.places[-1] = ("enterprise", "", spec[0], *rows.places[-1][3:])
            self._enterprise(rows, len(rows.places) - 1, spec)
        for i, (kind, label) in enumerate(KEY_PLACES):
            self._org_place(rows, code, roads[1], str(400 + i), f"{stem}{label}")
            rows.places[-1] = ("key_place", "", "", kind, *rows.places[-1][4:])
        area = (f"{code}-AREA1", f"{stem}农贸市场周边", roads[0], "", "", "", "")
        rows.places.append(("key_area", "", "", "", *area, f"{roads[0]}农贸市场周边"))
        holders = [
            n
            for n in range(first, len(rows.places))
            if rows.places[n][0] in ("enterprise", "key_place")
        ]
        for place, (kind, name, measure) in zip(
            rng.sample(holders, min(2, len(holders))), rng.sample(KEY_ITEMS, 2), strict=False
        ):
            rows.key_items.append(
                (
                    place,
                    kind,
                    name,
                    rng.randint(1, 50),
                    measure,
                    rows.places[place][5],
                    "专用库房,双人双锁",
                )
            )

    def _org_place(self, rows: BeatRows, code: str, road: str, number: str, name: str) -> None:
        parts = (road, number, "", "", "")
        rows.places.append(
            ("", "", "", "", address_code(code, *parts), name, *parts, compose_address(*parts))
        )

    def _contact(self) -> tuple:
        """contact_name, the phone sealed, hashed and masked, opened_on."""
        rng, sealer = self.rng, self.sealer
        phone = f"139{rng.randint(10000000, 99999999)}"
        opened = dt.date(rng.randint(2005, 2023), rng.randint(1, 12), 1)
        return (
            rng.choice(self.names),
            sealer.encrypt(phone),
            sealer.hash(phone),
            mask_phone(phone),
            opened,
        )

    def _shop(self, rows: BeatRows, place: int) -> None:
        rng = self.rng
        contact = self._contact()
        scope, mode, source, sold = rng.choice(SHOP_SCOPES)
        key_items = scope == "五金建材" and rng.random() < 0.3
        staff = f"店主1人,店员{rng.randint(0, 5)}人"
        name = rows.places[place][5]
        rows.shops.append(
            (
                place,
                name,
                *contact,
                scope in {"废品回收", "手机维修"},
                key_items,
                scope,
                mode,
                source,
                sold,
                staff,
            )
        )

    def _enterprise(self, rows: BeatRows, place: int, spec: tuple) -> None:
        contact = self._contact()
        category = spec[0]
        key_industry = category in {"finance_telecom", "utilities", "station_dock"}
        key_items = category in {"hospital_school", "factory_mine"}
        rows.enterprises.append(
            (
                place,
                rows.places[place][5],
                *contact,
                key_industry,
                key_items,
                category,
                spec[2],
                self.rng.randint(10, 800),
                "正式职工为主,含少量劳务派遣",
                *spec[3:],
            )
        )
