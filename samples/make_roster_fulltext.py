"""Write samples/registry-roster-fulltext.xlsx: a household roster as a police station keeps it.

    .venv/bin/python samples/make_roster_fulltext.py

A title row, headers as people write them (公民身份号码, 现住址, 房屋性质 …), the address only as
one full-text column in every spelling stations use (with and without 河南省许昌市魏都区, full-width
digits, 4-2-301, compounds, floors), adults born from 1950 with local region codes (411002
魏都区, 411023 the former 许昌县, 410102), columns the registry has no field for (民族, 居住人数,
登记日期), and a few rows that must be refused: an address in another county, an address that
cannot be read, no address, an ID number with a wrong check digit. Deterministic: the same file
every time. It imports into 文峰社区 (411002001001), the demo's community beat; see the README.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "samples" / "registry-roster-fulltext.xlsx"

HEADER = [
    "序号",
    "姓名",
    "性别",
    "公民身份号码",
    "联系电话",
    "与户主关系",
    "现住址",
    "房屋性质",
    "民族",
    "居住人数",
    "登记日期",
]
TITLE = "魏都区西大街派出所文峰社区住户人口花名册"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英志强丽娟伟军敏静磊洋艳勇杰娜涛明超桂兰玉梅"
ROADS = ["文峰路", "七一路", "八一路", "建安大道", "魏武大道", "西大街", "北关胡同"]
COMPOUNDS = ["建业小区", "文峰花园", "许继家园"]
USES = ["自住", "自住", "自住", "出租", "空置", "经营"]
REGIONS = ["411002", "411002", "411002", "411023", "410102"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _address(rng: random.Random, house: int) -> str:
    road = ROADS[house % len(ROADS)]
    number = 1 + house // 6
    shape = house % 8
    if shape == 0:
        text = f"河南省许昌市魏都区{road}{number}号"
    elif shape == 1:
        text = (
            f"许昌市魏都区{road}{number}号{1 + house % 5}号楼{1 + house % 3}单元{101 + house % 6}室"
        )
    elif shape == 2:
        text = f"魏都区{road}{number}号{1 + house % 5}栋{1 + house % 3}单元{201 + house % 6}"
    elif shape == 3:
        compound = COMPOUNDS[house % len(COMPOUNDS)]
        text = (
            f"{road}{number}号{compound}{1 + house % 7}号楼{1 + house % 2}单元{301 + house % 4}室"
        )
    elif shape == 4:
        text = f"{road}{number}号{1 + house % 5}-{1 + house % 3}-{401 + house % 6}"
    elif shape == 5:
        text = f"魏都区西大街街道文峰社区{road}{number}号"
    elif shape == 6:
        text = (
            f"许昌市魏都区{road}{number}号院{1 + house % 4}幢{1 + house % 2}单元{5 + house % 3}楼"
        )
    else:
        text = f"{road}{number}号"
    return text.translate(FULL_WIDTH) if rng.random() < 0.15 else text


def _id_number(rng: random.Random, seq: int, *, male: bool, birth: dt.date) -> str:
    from zoufang.registry.normalize import build_id_number

    return build_id_number(REGIONS[seq % len(REGIONS)], birth, seq, male=male)


def rows(n_households: int = 120, seed: int = 10) -> list[list[object]]:
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    out: list[list[object]] = []
    seq = 0
    for house in range(n_households):
        address = _address(rng, house)
        use = USES[house % len(USES)]
        members = 1 + house % 4
        for k in range(members):
            seq += 1
            male = bool(seq % 2)
            birth = dt.date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28))
            if k >= 2:  # a child
                birth = dt.date(
                    2005 + rng.randrange(15), 1 + rng.randrange(12), 1 + rng.randrange(28)
                )
            name = (
                SURNAMES[house % 20]
                + GIVEN[rng.randrange(len(GIVEN))]
                + (GIVEN[rng.randrange(len(GIVEN))] if seq % 3 else "")
            )
            out.append(
                [
                    len(out) + 1,
                    name,
                    "男" if male else "女",
                    _id_number(rng, seq, male=male, birth=birth),
                    f"13{rng.randrange(10)}{rng.randrange(10**8):08d}" if k == 0 else "",
                    "户主" if k == 0 else rng.choice(["配偶", "子女", "父亲", "母亲"]),
                    address,
                    use,
                    "汉族" if seq % 17 else "回族",
                    members,
                    f"2024-0{1 + house % 9}-1{house % 10}",
                ]
            )
    # Rows the import must refuse, each with its reason in the report.
    bad = [
        ("赵外县", "许昌市建安区文峰路9号"),  # another county than the beat's
        ("钱难读", "文峰路边上那栋楼"),  # cannot be read
        ("孙无址", ""),  # no address
        ("李郑州", "郑州市金水区花园路1号"),  # another city
    ]
    for i, (name, address) in enumerate(bad):
        seq += 1
        birth = dt.date(1970 + i, 3, 1)
        id_number = _id_number(rng, seq, male=True, birth=birth)
        out.append(
            [
                len(out) + 1,
                name,
                "男",
                id_number,
                "",
                "户主",
                address,
                "自住",
                "汉族",
                1,
                "2024-03-01",
            ]
        )
    seq += 1
    broken = _id_number(rng, seq, male=True, birth=dt.date(1980, 5, 5))
    broken = broken[:-1] + ("0" if broken[-1] != "0" else "1")  # a wrong check digit
    out.append(
        [len(out) + 1, "周错号", "男", broken, "", "户主", "文峰路3号", "自住", "汉族", 1, ""]
    )
    return out


def write(target: Path = TARGET) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target))
    sheet = workbook.add_worksheet("花名册")
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, TITLE)
    sheet.write_row(1, 0, HEADER)
    for i, row in enumerate(rows(), start=2):
        for j, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(i, j, value)
            else:
                sheet.write_number(i, j, value)
    workbook.close()
    return target


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    print(write())
