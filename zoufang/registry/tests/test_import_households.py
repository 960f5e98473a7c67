from __future__ import annotations

from zoufang.registry.crypto import lookup_hash
from zoufang.registry.imports import jobs
from zoufang.registry.models import Change, Household, ImportJob, Person, Place
from zoufang.registry.normalize import mask_id
from zoufang.registry.tests import factories

HEADER = [
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
]


def run(path, unit, *, user=None, dry_run=False):
    return factories.import_file(path, unit, "household", user=user, dry_run=dry_run)


def test_a_clean_file_creates_places_households_and_persons(tree, write_csv, ids):
    a, b, c = ids(), ids(male=False), ids()
    path = write_csv(
        [
            HEADER,
            [
                "文峰路",
                "12",
                "3",
                "2",
                "501",
                "自住",
                "王建国",
                a,
                "13803740001",
                "户主",
                "河南省许昌市魏都区文峰路12号3栋2单元501室",
            ],
            [
                "文峰路",
                "12",
                "3",
                "2",
                "501",
                "自住",
                "李秀英",
                b,
                "",
                "配偶",
                "河南省郑州市金水区花园路1号",
            ],
            ["文峰路", "14", "", "", "", "出租", "赵租户", c, "13803740002", "租户", ""],
        ]
    )
    job = run(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected, job.created) == (3, 0, 3)
    assert Place.objects.filter(beat=tree.beat_a).count() == 2
    wang = Person.objects.with_id_number(a).get()
    assert wang.id_masked == mask_id(a)
    assert a not in wang.id_enc
    home = Household.objects.get(place__house_number="12")
    assert home.householder == wang
    assert Person.objects.with_id_number(b).get().separated is True
    assert home.separated is True
    assert wang.separated is False
    assert Household.objects.get(place__house_number="14").use == Household.Use.RENTED


def test_reimporting_the_same_file_changes_nothing(tree, write_csv, ids):
    rows = [
        HEADER,
        ["文峰路", "12", "", "", "", "自住", "王建国", ids(), "13803740001", "户主", ""],
    ]
    path = write_csv(rows)
    run(path, tree.beat_a)
    changes = Change.objects.count()
    again = run(path, tree.beat_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Change.objects.count() == changes


def test_a_changed_row_updates_with_history(tree, write_csv, ids):
    a = ids()
    run(
        write_csv(
            [HEADER, ["文峰路", "12", "", "", "", "自住", "王建国", a, "13803740001", "户主", ""]]
        ),
        tree.beat_a,
    )
    job = run(
        write_csv(
            [HEADER, ["文峰路", "12", "", "", "", "出租", "王建国", a, "13803740009", "户主", ""]],
            name="b.csv",
        ),
        tree.beat_a,
    )
    assert (job.created, job.updated) == (0, 1)
    fields = set(Change.objects.filter(job=job).values_list("field", flat=True))
    assert fields == {"use", "phone"}
    phone = Change.objects.get(job=job, field="phone")
    assert (phone.old, phone.new) == ("138****0001", "138****0009")
    assert Person.objects.with_phone("13803740009").exists()


def test_a_person_who_moved_to_a_new_address_moves_with_history(tree, write_csv, ids):
    a = ids()
    run(
        write_csv(
            [HEADER, ["文峰路", "12", "", "", "", "自住", "王建国", a, "13803740001", "户主", ""]]
        ),
        tree.beat_a,
    )
    job = run(
        write_csv(
            [HEADER, ["七一路", "8", "", "", "", "自住", "王建国", a, "13803740001", "户主", ""]],
            name="moved.csv",
        ),
        tree.beat_a,
    )
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.created, job.updated) == (0, 1)
    wang = Person.objects.with_id_number(a).get()
    assert wang.household.place.road == "七一路"
    assert Household.objects.get(place__road="七一路").householder == wang
    assert Change.objects.filter(job=job, entity="person", field="household").exists()


def test_values_with_tabs_backslashes_and_line_breaks_are_stored_as_written(tree, write_csv, ids):
    a, b = ids(), ids(male=False)
    path = write_csv(
        [
            HEADER,
            ["文峰路", "12", "", "", "", "自住", "王\\建国", a, "", "户主", "许昌市\t魏都区"],
            ["文峰路", "12", "", "", "", "自住", "李秀英", b, "", "配偶", "郑州市\n金水区\\N"],
        ]
    )
    job = run(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.accepted == 2
    wang = Person.objects.with_id_number(a).get()
    assert wang.name == "王\\建国"
    # Stray spaces (a tab among them) are collapsed, as in every text cell.
    assert wang.registered_address == "许昌市 魏都区"
    assert Person.objects.with_id_number(b).get().registered_address == "郑州市 金水区\\N"


def test_the_householder_is_the_last_accepted_row_that_says_so(tree, write_csv, ids):
    a, b = ids(), ids(male=False)
    path = write_csv(
        [
            HEADER,
            ["文峰路", "12", "", "", "", "自住", "王建国", a, "", "户主", ""],
            ["文峰路", "12", "", "", "", "自住", "李秀英", b, "", "配偶", ""],
            # Declares itself householder but its ID number fails: not the householder.
            ["文峰路", "12", "", "", "", "自住", "张伟", "410102198503040357", "", "户主", ""],
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (2, 1)
    home = Household.objects.get(place__house_number="12")
    assert home.householder == Person.objects.with_id_number(a).get()
    assert set(home.residents.values_list("name", flat=True)) == {"王建国", "李秀英"}


def test_a_duplicate_in_a_later_batch_is_reported_against_the_first_row(
    tree, write_csv, ids, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)
    a = ids()
    rows = [HEADER]
    rows += [
        ["文峰路", str(n), "", "", "", "自住", "王建国", ids(), "", "户主", ""] for n in (1, 2)
    ]
    rows.append(["文峰路", "3", "", "", "", "自住", "王建国", a, "", "户主", ""])
    rows += [
        ["文峰路", str(n), "", "", "", "自住", "王建国", ids(), "", "户主", ""] for n in (4, 5)
    ]
    rows.append(["文峰路", "6", "", "", "", "自住", "王建国", a, "", "户主", ""])  # file row 7
    job = run(write_csv(rows), tree.beat_a)
    assert (job.accepted, job.rejected) == (5, 1)
    rejection = job.rejections.get()
    assert rejection.row == 7
    assert "Duplicate of row 4" in rejection.reason
    assert Person.objects.with_id_number(a).get().household.place.house_number == "3"


def test_the_address_code_of_an_export_finds_its_place(tree, write_csv, ids):
    # Places made from address parts get a code like 411002001001-3f2a…; the export's 地址编码
    # column carries it, and a file that gives it (upper-cased by Excel or not) finds the place.
    run(write_csv([HEADER, ["文峰路", "12", "", "", "", "自住", "王建国", ids()]]), tree.beat_a)
    place = Place.objects.get()
    number = ids()
    job = run(
        write_csv(
            [["地址编码", "姓名", "身份证号"], [place.address_code.upper(), "李四", number]],
            name="b.csv",
        ),
        tree.beat_a,
    )
    assert (job.accepted, job.rejected) == (1, 0)
    assert Place.objects.count() == 1
    assert Person.objects.with_id_number(number).get().household.place == place


def test_a_landlords_phone_is_compared_by_its_hash(tree, write_csv, ids):
    a = ids()
    header = [*HEADER, "房东", "房东电话"]
    row = ["文峰路", "12", "", "", "", "出租", "王建国", a, "", "户主", "", "赵房东"]
    run(write_csv([header, [*row, "13903740009"]]), tree.beat_a)
    home = Household.objects.get(place__house_number="12")
    assert home.landlord_phone_hash == lookup_hash("13903740009")
    same = run(write_csv([header, [*row, "139 0374 0009"]], name="same.csv"), tree.beat_a)
    assert (same.updated, same.unchanged) == (0, 1)
    # Same masked form (139****0009 vs 139****0009) but another number: still a change.
    other = run(write_csv([header, [*row, "13903750009"]], name="other.csv"), tree.beat_a)
    assert other.updated == 1
    change = Change.objects.get(job=other, field="landlord_phone")
    assert (change.old, change.new) == ("139****0009", "139****0009")


def test_a_person_registered_in_a_neighbouring_beat_is_not_moved_by_a_beats_file(
    tree, write_csv, ids
):
    # The job's jurisdiction is beat A: a person stored in beat A2 (the same station, the
    # nearest path) is outside it. The file must be imported at the station to move them.
    number = ids()
    stored = factories.resident(factories.dwelling(tree.beat_a2).household, id_no=number)
    row = ["文峰路", "12", "", "", "", "自住", "王建国", number, "", "户主", ""]
    job = run(write_csv([HEADER, row]), tree.beat_a)
    assert (job.accepted, job.rejected) == (0, 1)
    rejection = job.rejections.get()
    assert "registered in another jurisdiction; it must be moved there first" in rejection.reason
    assert (rejection.column, rejection.value) == ("身份证号", stored.id_masked)
    stored.refresh_from_db()
    assert stored.unit_path == tree.beat_a2.path
    assert not Place.objects.filter(beat=tree.beat_a).exists()


def test_a_stations_file_moves_a_person_between_its_beats(tree, write_csv, ids):
    number = ids()
    stored = factories.resident(factories.dwelling(tree.beat_a2).household, id_no=number)
    row = [tree.beat_a.code, "文峰路", "12", "", "", "", "自住", "王建国", number, "", "户主", ""]
    job = run(write_csv([["社区编码", *HEADER], row]), tree.s1)
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.accepted, job.rejected, job.updated) == (1, 0, 1)
    stored.refresh_from_db()
    assert stored.unit_path == tree.beat_a.path
    assert stored.household.place.beat == tree.beat_a
