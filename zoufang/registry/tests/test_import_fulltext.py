"""Household rosters as stations keep them: the address as one text (现住址), headers as people
write them, columns the registry has no field for, one file for many beats."""

from __future__ import annotations

from django.urls import reverse

from zoufang.registry.models import ImportJob, ImportRejection, Person, Place
from zoufang.registry.tests import factories


def run(path, unit, *, user=None):
    return factories.import_file(path, unit, "household", user=user)


def reasons(job) -> dict[int, str]:
    return {r.row: r.reason for r in ImportRejection.objects.filter(job=job)}


def test_a_roster_with_only_a_full_text_address_is_imported(tree, write_csv, ids):
    a, b, c, d, e = ids(), ids(), ids(), ids(), ids()
    path = write_csv(
        [
            ["姓名", "身份证号", "现住址"],
            ["王建国", a, "河南省许昌市魏都区文峰路123号4号楼2单元301室"],
            [
                "李秀英",
                b,
                "许昌市魏都区文峰路１２３号４号楼２单元３０１室",
            ],  # full-width, same home
            ["张伟", c, "文峰路125号建业小区3栋1单元502"],  # no prefix, a compound
            ["赵强", d, "许昌市建安区文峰路9号"],  # another county than the beat's
            ["刘洋", e, "文峰路边上那栋楼"],  # cannot be read
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (3, 2), reasons(job)
    home = Place.objects.get(beat=tree.beat_a, house_number="123")
    assert (home.road, home.building, home.entrance, home.room) == ("文峰路", "4", "2", "301")
    assert home.address == "文峰路123号4栋2单元301室"
    assert home.household.residents.count() == 2
    compound = Place.objects.get(road="文峰路", house_number="125号建业小区")
    assert (compound.building, compound.entrance, compound.room) == ("3", "1", "502")
    # the full text is the person's actual address
    wang = Person.objects.with_id_number(a).get()
    assert wang.actual_address == "河南省许昌市魏都区文峰路123号4号楼2单元301室"
    why = reasons(job)
    assert "建安区" in why[5]
    assert "魏都区" in why[5]
    assert "边上那栋楼" in why[6]
    assert "文峰路123号4号楼2单元301室" in why[6]
    rejected = ImportRejection.objects.get(job=job, row=6)
    assert rejected.column == "现住址"
    assert Place.objects.filter(beat=tree.beat_a).count() == 2  # nothing guessed


def test_a_village_roster_imports_into_its_village_beat(tree, write_csv, ids):
    path = write_csv(
        [
            ["户主姓名", "公民身份号码", "家庭住址"],
            ["丁一", ids(), "建安区尚集镇丁庄村3组12号"],
            ["丁二", ids(), "许昌县尚集镇丁庄村三组14号"],  # the county's former name
            ["丁三", ids(), "鄢陵县马栏镇丁庄村3组12号"],  # same village name, another county
        ]
    )
    job = run(path, tree.beat_b)
    assert (job.accepted, job.rejected) == (2, 1), reasons(job)
    assert set(Place.objects.filter(beat=tree.beat_b).values_list("road", "house_number")) == {
        ("丁庄村3组", "12"),
        ("丁庄村3组", "14"),
    }
    assert "鄢陵县" in reasons(job)[4]


def test_split_columns_win_over_the_full_text_which_is_kept(tree, write_csv, ids):
    a = ids()
    path = write_csv(
        [
            ["街路巷", "门牌号", "姓名", "身份证号", "现住址"],
            ["文峰路", "12", "王建国", a, "文峰路十二号院（老宿舍）"],
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (1, 0), reasons(job)
    place = Place.objects.get(beat=tree.beat_a)
    assert (place.road, place.house_number) == ("文峰路", "12")
    assert Person.objects.with_id_number(a).get().actual_address == "文峰路十二号院(老宿舍)"


def test_a_county_file_finds_each_rows_beat_by_its_address(tree, write_csv, ids, county_admin):
    # The registry already knows 八一路5号 in 七里店社区: an urban address naming no community.
    factories.dwelling(tree.beat_a2, road="八一路", number="5")
    path = write_csv(
        [
            ["姓名", "身份证号", "居住地址"],
            ["甲", ids(), "魏都区八一路5号2单元101室"],  # road + number known -> 七里店社区
            ["乙", ids(), "魏都区西大街街道文峰社区文峰路8号"],  # names its community
            ["丙", ids(), "建安区尚集镇丁庄村3组12号"],  # a beat of another county
            ["丁", ids(), "魏都区春秋路77号"],  # neither known nor named
        ]
    )
    job = run(path, tree.county_x, user=county_admin)
    assert (job.accepted, job.rejected) == (2, 2), reasons(job)
    assert Place.objects.get(road="八一路", room="101").beat == tree.beat_a2
    assert Place.objects.get(road="文峰路", house_number="8").beat == tree.beat_a
    why = reasons(job)
    assert "丁庄村" in why[4]
    assert "outside your jurisdiction" in why[4]
    assert "社区编码" in why[5]
    # nothing was written outside the county
    assert not Place.objects.filter(beat=tree.beat_b).exists()


def test_a_county_user_cannot_place_rows_into_another_countys_beat_by_name(
    tree, write_csv, ids, county_admin
):
    path = write_csv([["姓名", "身份证号", "住址"], ["丙", ids(), "丁庄村3组12号"]])
    job = run(path, tree.county_x, user=county_admin)
    assert (job.accepted, job.rejected) == (0, 1)
    assert "outside your jurisdiction" in reasons(job)[2]
    assert not Place.objects.exists()


def test_headers_written_in_no_list_are_matched_by_their_words(tree, write_csv, ids):
    a = ids()
    header = [
        "序 号",
        "户 主 姓 名",
        "身份证号（户主）",
        "户主手机号码",
        "房屋使用类别",
        "户主现居住详细地址",
        "户口所在地详细地址",
        "民族",
        "居住人数",
        "登记日期",
    ]
    path = write_csv(
        [
            header,
            [
                "1",
                "王建国",
                a,
                "13803740001",
                "出租",
                "文峰路12号",
                "郑州市金水区花园路1号",
                "汉族",
                "3",
                "2024-05-01",
            ],
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (1, 0), reasons(job)
    wang = Person.objects.with_id_number(a).get()
    assert wang.name == "王建国"
    assert wang.phone_masked == "138****0001"
    assert wang.household.use == "rented"
    assert wang.registered_address == "郑州市金水区花园路1号"
    assert wang.separated is True
    assert wang.extra == {"民族": "汉族", "居住人数": "3", "登记日期": "2024-05-01"}
    job.refresh_from_db()
    recognised = dict(job.columns["recognised"])
    assert recognised["身份证号(户主)"] == "身份证号"
    assert recognised["户主现居住详细地址"] == "现住址"
    assert recognised["户口所在地详细地址"] == "户籍地址"
    assert job.columns["extra"] == ["民族", "居住人数", "登记日期"]
    assert job.columns["ignored"] == ["序 号"]


def test_the_landlords_phone_and_the_relation_are_not_taken_for_the_persons(tree, write_csv, ids):
    path = write_csv(
        [
            ["街路巷", "门牌", "人员姓名", "证件号码", "出租人联系电话", "与户主之关系"],
            ["文峰路", "3", "李租户", ids(), "13803749999", "租户"],
        ]
    )
    job = run(path, tree.beat_a)
    assert job.accepted == 1, reasons(job)
    person = Person.objects.get(name="李租户")
    assert person.phone_masked == ""
    assert person.relation == "tenant"
    assert person.household.landlord_phone_masked == "138****9999"


def test_extra_fields_are_shown_on_the_persons_page(tree, write_csv, ids, officer_a, client_for):
    path = write_csv(
        [["姓名", "身份证号", "现住址", "工作单位"], ["王建国", ids(), "文峰路1号", "许继集团"]]
    )
    job = run(path, tree.beat_a)
    assert job.status == ImportJob.Status.DONE
    assert job.accepted == 1
    person = Person.objects.get(name="王建国")
    page = client_for(officer_a).get(reverse("registry:person_detail", args=[person.pk]))
    assert "工作单位" in page.content.decode()
    assert "许继集团" in page.content.decode()


def test_the_job_page_says_which_columns_were_read(tree, write_csv, ids, officer_a, client_for):
    path = write_csv(
        [["姓名", "身份证号", "住址", "文化程度", "序号"], ["甲", ids(), "文峰路1号", "高中", "1"]]
    )
    job = factories.import_file(path, tree.beat_a, "household", user=officer_a)
    page = client_for(officer_a).get(reverse("registry:import_detail", args=[job.pk]))
    text = page.content.decode()
    assert "文化程度" in text
    assert "住址 → 现住址" in text


def test_an_address_naming_another_beat_is_not_put_into_the_jobs_beat(tree, write_csv, ids):
    path = write_csv(
        [
            ["姓名", "身份证号", "现住址"],
            ["甲", ids(), "魏都区七里店社区八一路5号"],  # a sibling beat of the same station
            ["乙", ids(), "丁庄村3组12号"],  # a beat of another county
            ["丙", ids(), "文峰社区文峰路8号"],  # the job's own beat
        ]
    )
    job = run(path, tree.beat_a)
    assert (job.accepted, job.rejected) == (1, 2), reasons(job)
    assert "七里店社区" in reasons(job)[2]
    assert "丁庄村" in reasons(job)[3]
    assert list(Place.objects.values_list("road", "house_number")) == [("文峰路", "8")]
