"""The demo registry's sample import files (samples/): the household samples with every fault
the importer must handle, and the key-person and key-item samples written from the demo
registry of 文峰社区 (the demo is deterministic, so they import into `make demo` as they are).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from faker import Faker

from zoufang.registry.demo_rows import region_code
from zoufang.registry.models import KeyItem, KeyPerson, Person, Place
from zoufang.registry.normalize import build_id_number


def _region(year: int) -> str:
    return region_code("411002", year)


# ---- sample import files -----------------------------------------------------------------------


def _sample_people(n: int, beat_code: str, *, start: int = 0) -> list[list[Any]]:
    rng = random.Random(7 + start)  # noqa: S311 - demo data
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

    messy = _write_messy_xlsx(folder, beat_code, outside_code)
    csv_path = _write_messy_csv(folder, beat_code)
    return [clean, messy, csv_path]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _messy_rows(beat_code: str, outside_code: str) -> list[tuple | None]:
    """The messy workbook's rows, one fault each (None: a blank row): name, ID number, phone,
    beat, road, number, room, registered residence, moved in."""
    g = _sample_people(8, beat_code, start=500)
    bad_check = g[6][8][:17] + ("0" if g[6][8][17] != "0" else "1")
    code, road = beat_code, "文峰路"
    return [
        # full-width, spaces, Excel date
        (f"  {g[0][7]} ", _fullwidth(g[0][8]), _fullwidth(g[0][9]), code, road, "１２", "５０１", "", dt.date(2020, 5, 1)),
        # phone as number, text date
        (g[1][7], g[1][8], int(g[1][9]), code, " 文峰路 ", 12, 502, "河南省郑州市金水区花园路1号", "2021年3月5日"),
        None,  # a blank row
        (g[2][7], g[2][8], g[2][9], "文峰社区", road, "14", "101", "", "2019/7/1"),  # beat by name
        (g[3][7], float(g[3][8][:17] + "0"), g[3][9], code, road, "14", "102", "", ""),  # ID as a number
        (g[4][7], "4.11002E+17", g[4][9], code, road, "14", "103", "", ""),  # scientific notation
        (g[5][7], g[5][8][1:], g[5][9], code, road, "14", "104", "", ""),  # lost a digit
        (g[6][7], bad_check, g[6][9], code, road, "14", "105", "", ""),  # wrong check digit
        (g[0][7], g[0][8], g[0][9], code, road, "12", "501", "", ""),  # duplicate of the first row
        (g[7][7], g[7][8], g[7][9], outside_code, "丁庄街", "3", "", "", ""),  # outside
        # bad phone, bad date
        (g[7][7] + "二", build_id_number("411002", dt.date(1990, 2, 2), 901, male=True), "12345", code, road, "16", "101", "", "昨天"),
    ]  # fmt: skip


def _write_messy_xlsx(folder: Path, beat_code: str, outside_code: str) -> Path:
    """The messy workbook: a merged title, synonyms for the header, every fault in a row."""
    import xlsxwriter

    messy = folder / "registry-households-messy.xlsx"
    book = xlsxwriter.Workbook(str(messy))
    sheet = book.add_worksheet("Sheet1")
    date_fmt = book.add_format({"num_format": "yyyy/m/d"})
    # A merged title row and an empty row above the header; synonyms, another order.
    sheet.merge_range(0, 0, 0, 8, "文峰社区实有人口登记表(2024年6月)")
    header = ["姓名", " 公民身份号码 ", "手机号码", "所属社区", "道路", "门牌", "房间号", "户籍地"]
    sheet.write_row(2, 0, [*header, "入住时间"])
    for r, row in enumerate(_messy_rows(beat_code, outside_code), start=3):
        if row is None:
            continue
        *values, since = row
        for c, value in enumerate(values):
            if isinstance(value, float | int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
        if isinstance(since, dt.date):
            sheet.write_datetime(r, 8, dt.datetime.combine(since, dt.time()), date_fmt)
        else:
            sheet.write_string(r, 8, str(since))
    book.close()  # (the old file also left two trailing blank rows: nothing is written there)
    return messy


def _write_messy_csv(folder: Path, beat_code: str) -> Path:
    """The messy csv: GB18030, a title and an empty row above the header, full-width digits."""
    import csv

    csv_path = folder / "registry-households-messy.csv"

    with csv_path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["文峰社区实有人口登记表"])
        w.writerow([])
        w.writerow(["身份证号码", "姓名", "门牌号码", "街路巷", "房屋类型", "联系方式"])
        for row in _sample_people(5, beat_code, start=800):
            w.writerow([_fullwidth(row[8]), f" {row[7]} ", row[2], row[1], "租赁", row[9]])
        w.writerow(["4.11002E+17", "张三", "1", "文峰路", "自住", ""])
    return csv_path


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
