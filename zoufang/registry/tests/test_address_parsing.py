"""imports.address: each shape of full-text address station rosters carry, read into the
registry's parts — or refused with the text that could not be read."""

from __future__ import annotations

import pytest

from zoufang.registry.imports.address import county_names, parse_address
from zoufang.registry.normalize import Bad


def parts(text: str) -> tuple[str, ...]:
    a = parse_address(text)
    return (a.county, a.road, a.house_number, a.building, a.entrance, a.room)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # urban: road, number, building, unit, room, with the full prefix
        (
            "河南省许昌市魏都区文峰路123号4号楼2单元301室",
            ("魏都区", "文峰路", "123", "4", "2", "301"),
        ),
        ("许昌市魏都区文峰路123号4栋2单元301", ("魏都区", "文峰路", "123", "4", "2", "301")),
        # prefix missing
        ("文峰路123号4幢2单元301室", ("", "文峰路", "123", "4", "2", "301")),
        # building-unit-room written with dashes
        ("魏都区文峰路123号4-2-301", ("魏都区", "文峰路", "123", "4", "2", "301")),
        # full-width digits and spaces
        (
            "魏都区 文峰路１２３号 ４号楼２单元３０１室",
            ("魏都区", "文峰路", "123", "4", "2", "301"),
        ),
        # road section, big road (大道), lane (胡同)
        ("七一路东段8号", ("", "七一路东段", "8", "", "", "")),
        ("魏武大道66号", ("", "魏武大道", "66", "", "", "")),
        ("西关胡同3号", ("", "西关胡同", "3", "", "", "")),
        # compound (小区) with and without a road
        (
            "魏都区文峰路123号建业小区4号楼2单元301室",
            ("魏都区", "文峰路", "123号建业小区", "4", "2", "301"),
        ),
        ("建业森林半岛小区5号楼1单元1201室", ("", "建业森林半岛小区", "", "5", "1", "1201")),
        # a floor without a room number
        ("文峰社区文峰路12号3单元5楼", ("", "文峰路", "12", "", "3", "5层")),
        # villages: 村/组/号, with town (镇/乡), with Chinese numerals, with the old county name
        ("鄢陵县马栏镇丁庄村3组12号", ("鄢陵县", "丁庄村3组", "12", "", "", "")),
        ("丁庄村三组12号", ("", "丁庄村3组", "12", "", "", "")),
        ("襄城县山头店乡前张村5组", ("襄城县", "前张村5组", "", "", "", "")),
        ("禹州市褚河镇褚河村十二组8号", ("禹州市", "褚河村12组", "8", "", "", "")),
        ("许昌县尚集镇丁庄村委会2组8号", ("许昌县", "丁庄村2组", "8", "", "", "")),
        ("长葛市建设路66号", ("长葛市", "建设路", "66", "", "", "")),
        # a road named after a city is a road, not a prefix
        ("新乡路12号", ("", "新乡路", "12", "", "", "")),
        ("许昌路12号", ("", "许昌路", "12", "", "", "")),
    ],
)
def test_address_shapes_are_read_into_the_registry_parts(text, expected):
    assert parts(text) == expected


def test_a_village_address_names_its_village_for_the_beat():
    assert parse_address("鄢陵县马栏镇丁庄村3组12号").village == "丁庄村"
    assert parse_address("丁庄村委会2组8号").village == "丁庄村"
    assert parse_address("文峰社区文峰路12号").village == "文峰社区"


def test_another_county_and_city_are_named_not_guessed_away():
    a = parse_address("郑州市金水区花园路1号")
    assert (a.prefecture, a.county, a.road) == ("4101", "金水区", "花园路")
    assert parse_address("许昌魏都区八一路5号").prefecture == "4110"


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        ("随便写写", "随便写写"),
        ("文峰路123号旁边的楼", "旁边的楼"),
    ],
)
def test_an_address_that_cannot_be_read_is_refused_with_the_unread_text(text, unread):
    with pytest.raises(Bad) as exc:
        parse_address(text)
    assert unread in str(exc.value)
    assert "文峰路123号4号楼2单元301室" in str(exc.value)  # the hint


def test_a_prefix_alone_is_no_address():
    with pytest.raises(Bad, match="names no road, village or compound"):
        parse_address("许昌市魏都区")


def test_county_names_come_from_gb2260_with_the_renamed_county():
    assert county_names("411002") == {"魏都区"}
    assert {"建安区", "许昌县"} <= county_names("411003")
    assert "长葛市" in county_names("411082")
