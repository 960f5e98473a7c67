"""Shop and enterprise registers with the address as one text (经营地址, 单位地址, 地址), read
the same way as the household roster's 现住址: the same parser, the county checked, the beat
found by the address when the file is for many beats."""

from __future__ import annotations

from zoufang.registry.imports.specs import SPECS
from zoufang.registry.models import Enterprise, ImportJob, ImportRejection, Place, Shop
from zoufang.registry.tests import factories


def reasons(job) -> dict[int, str]:
    return {r.row: r.reason for r in ImportRejection.objects.filter(job=job)}


def test_a_shop_register_with_only_a_full_text_address_is_imported(tree, write_csv):
    path = write_csv(
        [
            ["店名", "经营地址", "经营范围"],
            ["老街烟酒店", "河南省许昌市魏都区老街５号", "烟酒副食"],  # full-width digit
            ["老街药房", "老街7号1号楼1单元102室", "药品"],  # no prefix
            ["尚集超市", "许昌市建安区老街9号", "百货"],  # another county than the beat's
            ["路边摊", "老街旁边", "水果"],  # cannot be read
        ]
    )
    job = factories.import_file(path, tree.beat_a, "shop")
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected) == (2, 2), reasons(job)
    shop = Shop.objects.get(name="老街烟酒店")
    assert (shop.place.road, shop.place.house_number, shop.place.beat) == ("老街", "5", tree.beat_a)
    pharmacy = Shop.objects.get(name="老街药房").place
    assert (pharmacy.building, pharmacy.entrance, pharmacy.room) == ("1", "1", "102")
    why = reasons(job)
    assert "建安区" in why[4]
    assert "旁边" in why[5]
    assert ImportRejection.objects.get(job=job, row=5).column == "经营地址"
    assert not Shop.objects.filter(name__in=["尚集超市", "路边摊"]).exists()


def test_an_enterprise_register_for_a_county_finds_each_beat_by_its_address(
    tree, write_csv, county_admin
):
    # The registry knows 八一路5号 in 七里店社区 (a flat there): an address naming no community.
    factories.dwelling(tree.beat_a2, road="八一路", number="5", room="101")
    path = write_csv(
        [
            ["单位名称", "单位地址", "单位类别"],
            ["许昌市第一中学", "魏都区八一路5号", "医院学校"],  # road + number known
            ["文峰社区卫生室", "魏都区西大街街道文峰社区文峰路8号", "医院学校"],  # names it
            ["丁庄砖厂", "建安区尚集镇丁庄村3组12号", "厂矿企业"],  # another county's beat
            ["无名厂", "魏都区春秋路77号", "厂矿企业"],  # neither known nor named
        ]
    )
    job = factories.import_file(path, tree.county_x, "enterprise", user=county_admin)
    assert (job.accepted, job.rejected) == (2, 2), reasons(job)
    assert Enterprise.objects.get(name="许昌市第一中学").place.beat == tree.beat_a2
    assert Enterprise.objects.get(name="文峰社区卫生室").place.beat == tree.beat_a
    why = reasons(job)
    assert "outside your jurisdiction" in why[4]
    assert "社区编码" in why[5]
    assert not Place.objects.filter(beat=tree.beat_b).exists()


def test_a_village_enterprise_imports_into_its_village_beat(tree, write_csv):
    path = write_csv(
        [["企业名称", "地址"], ["丁庄砖厂", "许昌县尚集镇丁庄村三组14号"]]  # the county's old name
    )
    job = factories.import_file(path, tree.beat_b, "enterprise")
    assert (job.accepted, job.rejected) == (1, 0), reasons(job)
    place = Enterprise.objects.get(name="丁庄砖厂").place
    assert (place.road, place.house_number, place.kind) == (
        "丁庄村3组",
        "14",
        Place.Kind.ENTERPRISE,
    )


def test_split_address_columns_win_over_the_full_text_for_shops(tree, write_csv):
    path = write_csv(
        [
            ["店名", "街路巷", "门牌号", "店铺地址"],
            ["老街烟酒店", "老街", "5", "老街五号门面（原粮站）"],
        ]
    )
    job = factories.import_file(path, tree.beat_a, "shop")
    assert (job.accepted, job.rejected) == (1, 0), reasons(job)
    assert Shop.objects.get().place.house_number == "5"


def test_the_templates_name_the_full_text_address_column():
    assert "经营地址" in [c.label for c in SPECS["shop"].columns]
    assert "单位地址" in [c.label for c in SPECS["enterprise"].columns]
