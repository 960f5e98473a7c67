"""The demo city's registry: dwellings with households and residents, shops, enterprises,
key places and areas, key items and key persons in every beat. Deterministic (fixed seed),
written with bulk inserts; ID numbers and phones are encrypted like real ones.

Also writes the sample import files under samples/ (`write_sample_files`).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from zoufang.registry.crypto import Sealer
from zoufang.registry.models import (
    Enterprise,
    Household,
    KeyItem,
    KeyPerson,
    Person,
    Place,
    Shop,
    compose_address,
)
from zoufang.registry.normalize import (
    address_code,
    build_id_number,
    is_separated,
    mask_id,
    mask_phone,
)

HOUSEHOLDS_PER_BEAT = 200
SHOPS_PER_BEAT = 15
ENTERPRISES_PER_BEAT = 4
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
KEY_PLACES = [
    ("hotel", "宾馆"),
    ("internet_cafe", "网吧"),
    ("entertainment", "KTV"),
    ("logistics", "物流园"),
]
KEY_ITEMS = [
    ("explosive", "烟花爆竹", "箱"),
    ("toxic", "氰化钠", "千克"),
    ("knife", "管制刀具", "把"),
    ("precursor", "硫酸", "升"),
]


def _region(year: int) -> str:
    # Xuchang's codes as they were when the number was issued: 4123xx before 1986.
    return "411002" if year >= 1986 else "412301"


@transaction.atomic
def build_demo_registry(*, campaign: Any, org: Any, stdout: Any, scale: int = 1) -> None:
    rng = random.Random(411000)
    fake = Faker("zh_CN")
    fake.seed_instance(411000)
    sealer = Sealer()
    now = timezone.now()
    beats = list(org.beats)
    names = [fake.name() for _ in range(4000)]
    person_no = 0
    used: set[str] = set()
    totals = {"households": 0, "persons": 0, "shops": 0, "enterprises": 0}
    for beat in beats:
        stem = beat.name.removesuffix("社区").removesuffix("村")
        roads = [f"{stem}路", f"{stem}街", f"{stem}巷"]
        places: list[Place] = []
        for i in range(HOUSEHOLDS_PER_BEAT * scale):
            road = roads[i % 3]
            number, building, entrance, room = (
                str(1 + i // 40),
                str(1 + (i // 10) % 4),
                str(1 + i % 2),
                str(101 + i % 10),
            )
            places.append(
                Place(
                    beat=beat,
                    unit_path=beat.path,
                    kind=Place.Kind.DWELLING,
                    address_code=address_code(beat.code, road, number, building, entrance, room),
                    road=road,
                    house_number=number,
                    building=building,
                    entrance=entrance,
                    room=room,
                    address=compose_address(road, number, building, entrance, room),
                )
            )
        Place.objects.bulk_create(places, batch_size=2000)
        households = []
        for place in places:
            use = rng.choices(list(Household.Use), weights=[70, 20, 4, 6])[0]
            households.append(
                Household(
                    place=place,
                    unit_path=beat.path,
                    use=use,
                    landlord_name=rng.choice(names) if use == Household.Use.RENTED else "",
                )
            )
        Household.objects.bulk_create(households, batch_size=2000)
        persons: list[Person] = []
        heads: dict[int, int] = {}
        for household in households:
            if household.use == Household.Use.VACANT:
                continue
            for k in range(rng.randint(1, 4)):
                person_no += 1
                year = rng.randint(1945, 2015)
                birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
                male = rng.random() < 0.5
                seq = person_no
                number = build_id_number(_region(year), birth, seq, male=male)
                while number in used:  # two people born the same day with the same sequence
                    seq += 1
                    number = build_id_number(_region(year), birth, seq, male=male)
                used.add(number)
                phone = (
                    f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}" if year < 2008 else ""
                )
                registered = (
                    f"{rng.choice(ELSEWHERE)}{rng.randint(1, 200)}号"
                    if rng.random() < 0.12
                    else f"河南省许昌市{household.place.address}"
                )
                relation = (
                    Person.Relation.HOUSEHOLDER
                    if k == 0
                    else (
                        Person.Relation.TENANT
                        if household.use == Household.Use.RENTED
                        else Person.Relation.MEMBER
                    )
                )
                if k == 0:
                    heads[household.pk] = len(persons)
                persons.append(
                    Person(
                        name=rng.choice(names),
                        id_enc=sealer.encrypt(number),
                        id_hash=sealer.hash(number),
                        id_masked=mask_id(number),
                        sex="M" if male else "F",
                        birth_date=birth,
                        phone_enc=sealer.encrypt(phone),
                        phone_hash=sealer.hash(phone),
                        phone_masked=mask_phone(phone) if phone else "",
                        registered_address=registered,
                        separated=is_separated(registered, household.place.address),
                        household=household,
                        relation=relation,
                        unit_path=beat.path,
                    )
                )
        Person.objects.bulk_create(persons, batch_size=2000)
        separated_households = {p.household_id for p in persons if p.separated}
        for household in households:
            if household.pk in heads:
                household.householder = persons[heads[household.pk]]
            household.separated = household.pk in separated_households
        Household.objects.bulk_update(households, ["householder", "separated"], batch_size=2000)
        key_people = rng.sample(persons, min(3, len(persons)))
        KeyPerson.objects.bulk_create(
            KeyPerson(
                person=p,
                unit_path=beat.path,
                category=rng.choice(list(KeyPerson.Category)),
                control_level=rng.choice(list(KeyPerson.Level)),
                note="社区民警每月见面核查一次",
            )
            for p in key_people
        )
        org_places, shops, enterprises = [], [], []
        for i in range(SHOPS_PER_BEAT * scale):
            road, number = roads[i % 2], str(200 + i)
            name = f"{stem}{rng.choice(SHOP_NAMES)}"
            org_places.append(
                Place(
                    beat=beat,
                    unit_path=beat.path,
                    kind=Place.Kind.SHOP,
                    shop_kind=rng.choice(list(Place.ShopKind)),
                    address_code=address_code(beat.code, road, number, "", "", ""),
                    name=name,
                    road=road,
                    house_number=number,
                    address=compose_address(road, number, "", "", ""),
                )
            )
        for i, (category, kind_name, *_rest) in enumerate(
            ENTERPRISES[: ENTERPRISES_PER_BEAT * scale]
        ):
            road, number = roads[2], str(300 + i)
            org_places.append(
                Place(
                    beat=beat,
                    unit_path=beat.path,
                    kind=Place.Kind.ENTERPRISE,
                    enterprise_category=category,
                    address_code=address_code(beat.code, road, number, "", "", ""),
                    name=f"{stem}{kind_name}",
                    road=road,
                    house_number=number,
                    address=compose_address(road, number, "", "", ""),
                )
            )
        for i, (kind, label) in enumerate(KEY_PLACES[:2]):
            road, number = roads[1], str(400 + i)
            org_places.append(
                Place(
                    beat=beat,
                    unit_path=beat.path,
                    kind=Place.Kind.KEY_PLACE,
                    key_place_kind=kind,
                    address_code=address_code(beat.code, road, number, "", "", ""),
                    name=f"{stem}{label}",
                    road=road,
                    house_number=number,
                    address=compose_address(road, number, "", "", ""),
                )
            )
        org_places.append(
            Place(
                beat=beat,
                unit_path=beat.path,
                kind=Place.Kind.KEY_AREA,
                address_code=f"{beat.code}-AREA1",
                name=f"{stem}农贸市场周边",
                road=roads[0],
                address=f"{roads[0]}农贸市场周边",
            )
        )
        Place.objects.bulk_create(org_places)
        for place in org_places:
            phone = f"139{rng.randint(10000000, 99999999)}"
            common = {
                "place": place,
                "unit_path": beat.path,
                "name": place.name,
                "contact_name": rng.choice(names),
                "contact_phone_enc": sealer.encrypt(phone),
                "contact_phone_hash": sealer.hash(phone),
                "contact_phone_masked": mask_phone(phone),
                "opened_on": dt.date(rng.randint(2005, 2023), rng.randint(1, 12), 1),
            }
            if place.kind == Place.Kind.SHOP:
                scope, mode, source, sold = rng.choice(SHOP_SCOPES)
                shops.append(
                    Shop(
                        **common,
                        business_scope=scope,
                        operating_mode=mode,
                        goods_source=source,
                        sales_destination=sold,
                        owner_staff=f"店主1人,店员{rng.randint(0, 5)}人",
                        key_industry=scope in {"废品回收", "手机维修"},
                        key_items=scope == "五金建材" and rng.random() < 0.3,
                    )
                )
            elif place.kind == Place.Kind.ENTERPRISE:
                spec = next(e for e in ENTERPRISES if e[0] == place.enterprise_category)
                enterprises.append(
                    Enterprise(
                        **common,
                        category=spec[0],
                        nature=spec[2],
                        staff_count=rng.randint(10, 800),
                        staff_composition="正式职工为主,含少量劳务派遣",
                        security_org=spec[3],
                        protective_measures=spec[4],
                        vital_parts=spec[5],
                        key_industry=spec[0] in {"finance_telecom", "utilities", "station_dock"},
                        key_items=spec[0] in {"hospital_school", "factory_mine"},
                    )
                )
        Shop.objects.bulk_create(shops)
        Enterprise.objects.bulk_create(enterprises)
        holders = [p for p in org_places if p.kind in {Place.Kind.ENTERPRISE, Place.Kind.KEY_PLACE}]
        KeyItem.objects.bulk_create(
            KeyItem(
                place=place,
                unit_path=beat.path,
                kind=kind,
                name=name,
                quantity=rng.randint(1, 50),
                measure=measure,
                holder=place.name,
                storage="专用库房,双人双锁",
            )
            for place, (kind, name, measure) in zip(
                rng.sample(holders, min(2, len(holders))), rng.sample(KEY_ITEMS, 2), strict=False
            )
        )
        totals["households"] += len(households)
        totals["persons"] += len(persons)
        totals["shops"] += len(shops)
        totals["enterprises"] += len(enterprises)
    _ = (campaign, now)
    stdout.write(
        f"registry: {totals['households']} households, {totals['persons']} persons, "
        f"{totals['shops']} shops, {totals['enterprises']} enterprises in {len(beats)} beats"
    )


# ---- sample import files -----------------------------------------------------------------------


def _sample_people(n: int, beat_code: str, *, start: int = 0) -> list[list[Any]]:
    rng = random.Random(7 + start)
    fake = Faker("zh_CN")
    fake.seed_instance(7 + start)
    rows = []
    for i in range(n):
        year = 1960 + (i * 7) % 50
        number = build_id_number(
            _region(year), dt.date(year, 1 + i % 12, 1 + i % 28), start + i, male=bool(i % 2)
        )
        rows.append(
            [
                beat_code,
                "文峰路",
                str(10 + i // 3),
                "2",
                "1",
                str(101 + i % 3),
                "出租" if i % 7 == 0 else "自住",
                fake.name(),
                number,
                f"1380374{rng.randint(1000, 9999)}",
                "户主" if i % 3 == 0 else "家庭成员",
                "河南省郑州市金水区花园路1号" if i % 5 == 0 else "",
                "2021-03-01",
            ]
        )
    return rows


SAMPLE_HEADER = [
    "社区编码",
    "街路巷",
    "门牌号",
    "楼栋",
    "单元",
    "房号",
    "房屋用途",
    "姓名",
    "身份证号",
    "联系电话",
    "与户主关系",
    "户籍地址",
    "入住日期",
]


def write_sample_files(
    folder: Path, *, beat_code: str = "411002001001", outside_code: str = "411003001001"
) -> list[Path]:
    """samples/registry-households-clean.xlsx and …-messy.xlsx (+ a messy csv): the messy
    ones hold every fault the importer must handle; tests import them."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    clean = folder / "registry-households-clean.xlsx"
    book = xlsxwriter.Workbook(str(clean))
    sheet = book.add_worksheet("住户人口")
    sheet.write_row(0, 0, SAMPLE_HEADER)
    for r, row in enumerate(_sample_people(30, beat_code), start=1):
        sheet.write_row(r, 0, [str(v) for v in row])
    book.close()

    good = _sample_people(8, beat_code, start=500)
    messy = folder / "registry-households-messy.xlsx"
    book = xlsxwriter.Workbook(str(messy))
    sheet = book.add_worksheet("Sheet1")
    date_fmt = book.add_format({"num_format": "yyyy/m/d"})
    # A merged title row and an empty row above the header; synonyms, another order.
    sheet.merge_range(0, 0, 0, 8, "文峰社区实有人口登记表(2024年6月)")
    header = [
        "姓名",
        " 公民身份号码 ",
        "手机号码",
        "所属社区",
        "道路",
        "门牌",
        "房间号",
        "户籍地",
        "入住时间",
    ]
    sheet.write_row(2, 0, header)
    r = 3

    def put(
        name: Any,
        ident: Any,
        phone: Any,
        beat: Any,
        road: str,
        number: Any,
        room: Any,
        registered: str,
        since: Any,
    ) -> None:
        nonlocal r
        for c, value in enumerate([name, ident, phone, beat, road, number, room, registered]):
            if isinstance(value, float | int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
        if isinstance(since, dt.date):
            sheet.write_datetime(r, 8, dt.datetime.combine(since, dt.time()), date_fmt)
        else:
            sheet.write_string(r, 8, str(since))
        r += 1

    def fullwidth(text: str) -> str:
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)

    g = good
    put(
        f"  {g[0][7]} ",
        fullwidth(g[0][8]),
        fullwidth(g[0][9]),
        beat_code,
        "文峰路",
        "１２",
        "５０１",
        "",
        dt.date(2020, 5, 1),
    )  # full-width, spaces, Excel date
    put(
        g[1][7],
        g[1][8],
        int(g[1][9]),
        beat_code,
        " 文峰路 ",
        12,
        502,
        "河南省郑州市金水区花园路1号",
        "2021年3月5日",
    )  # phone as number, text date
    r += 1  # a blank row
    put(
        g[2][7], g[2][8], g[2][9], "文峰社区", "文峰路", "14", "101", "", "2019/7/1"
    )  # beat by name
    put(
        g[3][7], float(g[3][8][:17] + "0"), g[3][9], beat_code, "文峰路", "14", "102", "", ""
    )  # ID stored as a number
    put(
        g[4][7], "4.11002E+17", g[4][9], beat_code, "文峰路", "14", "103", "", ""
    )  # scientific notation
    put(g[5][7], g[5][8][1:], g[5][9], beat_code, "文峰路", "14", "104", "", "")  # lost a digit
    bad_check = g[6][8][:17] + ("0" if g[6][8][17] != "0" else "1")
    put(g[6][7], bad_check, g[6][9], beat_code, "文峰路", "14", "105", "", "")  # wrong check digit
    put(
        g[0][7], g[0][8], g[0][9], beat_code, "文峰路", "12", "501", "", ""
    )  # duplicate of the first row
    put(
        g[7][7], g[7][8], g[7][9], outside_code, "丁庄街", "3", "", "", ""
    )  # outside the jurisdiction
    put(
        g[7][7] + "二",
        build_id_number("411002", dt.date(1990, 2, 2), 901, male=True),
        "12345",
        beat_code,
        "文峰路",
        "16",
        "101",
        "",
        "昨天",
    )  # bad phone, bad date
    r += 2  # trailing blank rows
    book.close()

    csv_path = folder / "registry-households-messy.csv"
    import csv

    with csv_path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["文峰社区实有人口登记表"])
        w.writerow([])
        w.writerow(["身份证号码", "姓名", "门牌号码", "街路巷", "房屋类型", "联系方式"])
        for row in _sample_people(5, beat_code, start=800):
            w.writerow([fullwidth(row[8]), f" {row[7]} ", row[2], row[1], "租赁", row[9]])
        w.writerow(["4.11002E+17", "张三", "1", "文峰路", "自住", ""])
    return [clean, messy, csv_path]


# The sample files' Chinese words for the stored choices (the importer maps them back).
CATEGORY_WORDS = {
    KeyPerson.Category.STABILITY: "涉稳",
    KeyPerson.Category.TERROR: "涉恐",
    KeyPerson.Category.DRUGS: "涉毒",
    KeyPerson.Category.RELEASED: "刑满释放",
    KeyPerson.Category.MENTAL: "肇事肇祸精神病",
    KeyPerson.Category.FUGITIVE: "在逃",
    KeyPerson.Category.GANG: "涉黑涉恶",
    KeyPerson.Category.OTHER: "其他",
}
LEVEL_WORDS = {
    KeyPerson.Level.WATCH: "一般关注",
    KeyPerson.Level.FOCUS: "重点关注",
    KeyPerson.Level.CONTROL: "严格管控",
}
ITEM_WORDS = {
    KeyItem.Kind.EXPLOSIVE: "危爆物品",
    KeyItem.Kind.TOXIC: "剧毒化学品",
    KeyItem.Kind.KNIFE: "管制刀具",
    KeyItem.Kind.PRECURSOR: "易制毒化学品",
}
# New items for the sample, by the kind of enterprise that keeps them.
SAMPLE_ITEMS = {
    "hospital_school": [
        (KeyItem.Kind.TOXIC, "氰化钾", "500", "克", "化学实验室剧毒品柜,双人双锁"),
        (KeyItem.Kind.PRECURSOR, "高锰酸钾", "2", "千克", "化学实验室药品库"),
    ],
    "factory_mine": [(KeyItem.Kind.PRECURSOR, "盐酸", "200", "升", "原料库危化品柜")],
    "station_dock": [(KeyItem.Kind.KNIFE, "查扣管制刀具", "6", "把", "安检查扣物品暂存室")],
}
KEY_PERSON_SAMPLE_HEADER = ["身份证号", "姓名", "人员类别", "管控级别", "备注"]
KEY_ITEM_SAMPLE_HEADER = [
    "社区编码",
    "地址编码",
    "街路巷",
    "门牌号",
    "物品种类",
    "物品名称",
    "数量",
    "计量单位",
    "持有人",
    "存放位置",
]
# A fixed creation date: the same registry writes byte-identical files.
_SAMPLE_CREATED = dt.datetime(2026, 12, 1)  # noqa: DTZ001 - a file property, no time zone


def key_sample_rows(beat_code: str) -> tuple[list[list[str]], list[list[str]]]:
    """Rows for the key-person and key-item samples, from the registry of the demo beat:
    eight residents who are not key persons yet (new), the beat's key persons again with the
    next control level (changed); chemicals of the beat's school (new, the first found by its
    address code alone) and the beat's stored items with a new quantity (changed)."""
    from zoufang.org.models import Unit
    from zoufang.registry.crypto import decrypt

    beat = Unit.objects.get(code=beat_code)
    persons = list(
        Person.objects.filter(unit_path=beat.path).select_related("key_record").order_by("pk")
    )
    keyed = [p for p in persons if hasattr(p, "key_record")]
    plain = [p for p in persons if not hasattr(p, "key_record")]
    categories = list(CATEGORY_WORDS.values())
    levels = list(KeyPerson.Level)
    person_rows = [
        [
            decrypt(p.id_enc),
            p.name,
            categories[i % len(categories)],
            LEVEL_WORDS[levels[i % len(levels)]],
            "每月见面核查一次" if i % 2 == 0 else "",
        ]
        for i, p in enumerate(plain[:: max(1, len(plain) // 8)][:8])
    ]
    for p in keyed:
        record = p.key_record
        level = levels[min(levels.index(record.control_level) + 1, len(levels) - 1)]
        person_rows.append(
            [decrypt(p.id_enc), p.name, CATEGORY_WORDS[record.category], LEVEL_WORDS[level], ""]
        )

    item_rows = []
    enterprises = Place.objects.filter(beat=beat, kind=Place.Kind.ENTERPRISE).order_by("pk")
    for place in enterprises:
        for kind, name, quantity, measure, storage in SAMPLE_ITEMS.get(
            place.enterprise_category, []
        ):
            by_code = not item_rows  # the first is found by its address code alone
            item_rows.append(
                [
                    "" if by_code else beat_code,
                    place.address_code if by_code else "",
                    "" if by_code else place.road,
                    "" if by_code else place.house_number,
                    ITEM_WORDS[kind],
                    name,
                    quantity,
                    measure,
                    place.name,
                    storage,
                ]
            )
    for item in KeyItem.objects.filter(place__beat=beat).select_related("place").order_by("pk"):
        item_rows.append(
            [
                beat_code,
                "",
                item.place.road,
                item.place.house_number,
                ITEM_WORDS.get(item.kind, "其他"),
                item.name,
                f"{(item.quantity + 10).normalize():f}",
                item.measure,
                item.holder,
                item.storage,
            ]
        )
    return person_rows, item_rows


def write_key_sample_files(folder: Path, *, beat_code: str = "411002001001") -> list[Path]:
    """samples/registry-key-persons.xlsx and samples/registry-key-items.xlsx, written from a
    database that holds the demo registry (the demo is deterministic: the same persons and
    places every build), so that both import into `make demo`'s 文峰社区 as they are:

        python manage.py shell -c "from pathlib import Path; \\
            from zoufang.registry.demo import write_key_sample_files as w; w(Path('samples'))"
    """
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    person_rows, item_rows = key_sample_rows(beat_code)
    written = []
    for name, sheet_name, header, rows in (
        ("registry-key-persons.xlsx", "重点人员", KEY_PERSON_SAMPLE_HEADER, person_rows),
        ("registry-key-items.xlsx", "重点物品", KEY_ITEM_SAMPLE_HEADER, item_rows),
    ):
        path = folder / name
        book = xlsxwriter.Workbook(str(path))
        book.set_properties({"created": _SAMPLE_CREATED})
        sheet = book.add_worksheet(sheet_name)
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
        book.close()
        written.append(path)
    return written
