from __future__ import annotations

from zoufang.registry.imports import jobs
from zoufang.registry.models import Change, Enterprise, ImportJob, Place, Shop
from zoufang.registry.tests import factories

run = factories.import_file


def test_shops_import_with_kind_flags_and_credit_code(tree, write_csv):
    path = write_csv(
        [
            [
                "店名",
                "门店类型",
                "街路巷",
                "门牌号",
                "统一社会信用代码",
                "经营范围",
                "店主",
                "店主电话",
                "是否重点行业",
                "开业日期",
            ],
            [
                "老街烟酒店",
                "沿街门店",
                "老街",
                "5",
                "91110000600037341L",
                "烟酒副食",
                "张店主",
                "13903740001",
                "否",
                "2019/3/1",
            ],
            ["废品回收站", "集市", "老街", "7", "", "废品回收", "李老板", "", "是", ""],
            ["假执照店", "小店", "老街", "9", "91110000600037341X", "百货", "", "", "", ""],
        ]
    )
    job = run(path, tree.beat_a, "shop")
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected) == (2, 1)
    assert "credit code" in job.rejections.get().reason
    shop = Shop.objects.get(name="老街烟酒店")
    assert (shop.place.kind, shop.place.shop_kind) == (Place.Kind.SHOP, Place.ShopKind.STREET)
    assert (shop.credit_code, shop.contact_phone_masked, str(shop.opened_on)) == (
        "91110000600037341L",
        "139****0001",
        "2019-03-01",
    )
    assert Shop.objects.get(name="废品回收站").key_industry is True


def test_an_enterprise_reimport_with_a_change_writes_history(tree, write_csv):
    header = ["单位名称", "单位类别", "街路巷", "门牌号", "职工人数", "保卫机构"]
    run(
        write_csv([header, ["许昌一中", "医院学校", "学府路", "1", "120", "保卫科"]]),
        tree.beat_a,
        "enterprise",
    )
    job = run(
        write_csv([header, ["许昌一中", "医院学校", "学府路", "1", "135人", ""]], name="b.csv"),
        tree.beat_a,
        "enterprise",
    )
    assert (job.created, job.updated) == (0, 1)
    ent = Enterprise.objects.get()
    assert (ent.category, ent.staff_count, ent.security_org) == ("hospital_school", 135, "保卫科")
    change = Change.objects.get(job=job)
    assert (change.field, change.old, change.new) == ("staff_count", "120", "135")


def test_a_dwelling_address_cannot_be_imported_as_a_shop(tree, write_csv):
    run(
        write_csv(
            [["街路巷", "门牌号", "姓名", "身份证号"], ["老街", "5", "王", "11010519491231002X"]]
        ),
        tree.beat_a,
        "household",
    )
    job = run(
        write_csv([["店名", "街路巷", "门牌号"], ["小卖部", "老街", "5"]], name="s.csv"),
        tree.beat_a,
        "shop",
    )
    assert job.rejected == 1
    assert "another kind of place" in job.rejections.get().reason


def test_a_shop_repeated_in_a_later_batch_is_reported_against_the_first_row(
    tree, write_csv, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)
    header = ["店名", "门店类型", "街路巷", "门牌号", "经营范围"]
    path = write_csv(
        [
            header,
            ["一号店", "小店", "老街", "1", "百货"],
            ["二号店", "小店", "老街", "2", "百货"],
            ["一号店改名", "小店", "老街", "1", "烟酒"],  # file row 4, the address of row 2
        ]
    )
    job = run(path, tree.beat_a, "shop")
    assert (job.accepted, job.rejected) == (2, 1)
    rejection = job.rejections.get()
    assert (rejection.row, "Duplicate of row 2" in rejection.reason) == (4, True)
    assert Shop.objects.get(place__house_number="1").name == "一号店"
