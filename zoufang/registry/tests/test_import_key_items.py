"""Importing key items (重点物品): attached to places already in the registry, by address."""

from __future__ import annotations

from decimal import Decimal

from zoufang.registry.imports import jobs
from zoufang.registry.models import Change, ImportJob, KeyItem
from zoufang.registry.tests import factories

HEADER = [
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


def run(path, unit, *, user=None, dry_run=False):
    return factories.import_file(path, unit, "key_item", user=user, dry_run=dry_run)


def reasons(job):
    return {r.row: (r.column, r.value, r.reason) for r in job.rejections.all()}


def by_parts(place, kind="剧毒化学品", name="氰化钠", quantity="20", holder="", storage=""):
    code = place.beat.code
    return [code, "", place.road, place.house_number, kind, name, quantity, "千克", holder, storage]


def by_code(place, kind="管制刀具", name="砍刀", quantity="3", holder="", storage=""):
    return ["", place.address_code, "", "", kind, name, quantity, "把", holder, storage]


def test_items_attach_to_places_found_by_address_parts_or_by_address_code(tree, write_csv, chief_a):
    school = factories.enterprise(tree.beat_a).place
    hotel = factories.shop(tree.beat_a2, name="如家宾馆").place
    path = write_csv(
        [
            HEADER,
            by_parts(school, holder="许昌一中", storage="化学实验室"),
            # The code as the registry made it (an export's 地址编码 column), no beat column:
            # the code alone finds the place, also when importing into a station.
            by_code(hotel, quantity="2.5"),
        ]
    )
    job = run(path, tree.s1, user=chief_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected, job.created) == (2, 0, 2)
    cyanide = KeyItem.objects.get(place=school)
    assert (cyanide.kind, cyanide.name, cyanide.quantity, cyanide.measure) == (
        KeyItem.Kind.TOXIC,
        "氰化钠",
        Decimal("20"),
        "千克",
    )
    assert (cyanide.holder, cyanide.storage, cyanide.unit_path) == (
        "许昌一中",
        "化学实验室",
        school.unit_path,
    )
    knife = KeyItem.objects.get(place=hotel)
    assert (knife.kind, knife.quantity, knife.unit_path) == (
        KeyItem.Kind.KNIFE,
        Decimal("2.5"),
        tree.beat_a2.path,
    )


def test_the_same_file_again_changes_nothing(tree, write_csv):
    place = factories.enterprise(tree.beat_a).place
    path = write_csv([HEADER, by_parts(place), by_code(place)])
    run(path, tree.beat_a)
    stamps = list(KeyItem.objects.order_by("pk").values_list("updated_at", flat=True))
    again = run(path, tree.beat_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert not Change.objects.filter(job=again).exists()
    assert list(KeyItem.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_a_changed_quantity_or_holder_updates_with_history_and_blank_cells_keep_values(
    tree, write_csv
):
    place = factories.enterprise(tree.beat_a).place
    run(write_csv([HEADER, by_parts(place, holder="张三", storage="库房")]), tree.beat_a)
    item = KeyItem.objects.get()
    job = run(
        write_csv(
            [
                HEADER,
                by_parts(place, quantity="18.5", holder="李四", storage=""),
                by_parts(place, name="硫酸", kind="易制毒化学品"),  # another item at the place
            ],
            name="b.csv",
        ),
        tree.beat_a,
    )
    assert (job.created, job.updated, job.unchanged) == (1, 1, 0)
    item.refresh_from_db()
    assert (item.quantity, item.holder, item.storage) == (Decimal("18.5"), "李四", "库房")
    changes = {c.field: (c.entity, c.object_id, c.new) for c in Change.objects.filter(job=job)}
    assert set(changes) == {"quantity", "holder"}
    assert changes["holder"] == ("key_item", item.pk, "李四")
    assert Decimal(changes["quantity"][2]) == Decimal("18.5")
    assert KeyItem.objects.count() == 2


def test_places_missing_or_outside_the_jurisdiction_are_rejected_with_reasons(
    tree, write_csv, officer_a
):
    inside = factories.enterprise(tree.beat_a).place
    outside = factories.enterprise(tree.beat_b).place
    nowhere = [tree.beat_a.code, "", "无名路", "999", "管制刀具", "砍刀", "1", "把", "", ""]
    path = write_csv(
        [
            HEADER,
            by_parts(inside),
            nowhere,
            by_code(outside),
            by_parts(outside),  # names beat B: a beat outside the officer's jurisdiction
        ]
    )
    job = run(path, tree.beat_a, user=officer_a)
    assert (job.accepted, job.rejected) == (1, 3)
    got = reasons(job)
    assert "not in the registry: import the household, shop or enterprise first" in got[3][2]
    assert got[3][:2] == ("街路巷", "无名路999号")
    assert "outside your jurisdiction" in got[4][2]
    assert got[4][:2] == ("地址编码", outside.address_code)
    assert "outside your jurisdiction" in got[5][2]
    assert not KeyItem.objects.filter(place=outside).exists()


def test_an_address_code_of_another_beat_than_the_row_names_is_rejected(tree, write_csv):
    a2 = factories.enterprise(tree.beat_a2).place
    row = by_code(a2)
    row[0] = tree.beat_a.code
    job = run(write_csv([HEADER, row]), tree.s1)
    assert "belongs to another beat" in job.rejections.get().reason
    assert not KeyItem.objects.exists()


def test_bad_kinds_names_and_quantities_are_rejected(tree, write_csv):
    place = factories.enterprise(tree.beat_a).place
    path = write_csv(
        [
            HEADER,
            by_parts(place, kind=""),
            by_parts(place, kind="易燃物品"),
            by_parts(place, name=""),
            by_parts(place, quantity="50箱"),
            by_parts(place, quantity="-1"),
            by_parts(place, quantity="1.234"),
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (0, 6)
    got = reasons(job)
    assert got[2][0] == "物品种类"
    assert "missing" in got[2][2]
    assert "Unknown value 易燃物品" in got[3][2]
    assert got[4][0] == "物品名称"
    assert all(got[row][0] == "数量" for row in (5, 6, 7))
    assert "Not a number: 50箱" in got[5][2]
    assert "two decimals" in got[7][2]


def test_the_same_item_twice_in_the_file_is_rejected_naming_the_first_row(
    tree, write_csv, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 1)
    place = factories.enterprise(tree.beat_a).place
    first = by_parts(place, quantity="1")
    same_by_code = ["", place.address_code, "", "", "剧毒品", "氰化钠", "2", "", "", ""]
    other = by_parts(place, name="氰化钾")
    job = run(write_csv([HEADER, first, other, same_by_code, first]), tree.beat_a)
    assert (job.accepted, job.rejected) == (2, 2)
    got = reasons(job)
    assert "Duplicate of row 2" in got[4][2]
    assert "Duplicate of row 2" in got[5][2]
    assert got[4][:2] == ("物品名称", "氰化钠")
    assert KeyItem.objects.get(name="氰化钠").quantity == 1


def test_a_dry_run_counts_and_writes_nothing(tree, write_csv):
    place = factories.enterprise(tree.beat_a).place
    job = run(write_csv([HEADER, by_parts(place)]), tree.beat_a, dry_run=True)
    assert (job.status, job.created) == (ImportJob.Status.DONE, 1)
    assert not KeyItem.objects.exists()
