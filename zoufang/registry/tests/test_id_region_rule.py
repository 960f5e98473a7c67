"""The region-code rule (issue 10, item 3): a citizen's number carries the code of the place
that issued it, so any code that ever existed is accepted whatever the birth year; a code that
never existed is a warning on the record, not a refusal; the province must be real."""

from __future__ import annotations

import datetime as dt

import pytest

from zoufang.registry import normalize as norm
from zoufang.registry.models import Person
from zoufang.registry.normalize import build_id_number
from zoufang.registry.tests import factories

# The city's counties, current and historical (stdnum dates several of them after the birth
# years below, which made real residents' numbers refused).
CITY_CODES = ["411002", "411003", "411023", "411024", "411025", "411081", "411082"]
YEARS = [1940, 1955, 1960, 1975, 1985, 1990, 1996, 2005, 2015, 2020]


@pytest.mark.parametrize("code", CITY_CODES)
@pytest.mark.parametrize("year", YEARS)
def test_every_county_of_the_city_is_accepted_for_every_birth_year(code, year):
    number = build_id_number(code, dt.date(year, 3, 15), 123, male=year % 2 == 0)
    assert norm.parse_id_number(number)[0] == number
    assert norm.id_region_known(number)


def test_the_number_of_the_issue_is_accepted():
    _number, sex, birth = norm.parse_id_number("411002198503152310")
    assert (sex, birth) == ("M", dt.date(1985, 3, 15))
    # 建安区 dates from 2016; a man born in 1960 who has its code is real.
    assert norm.parse_id_number(build_id_number("411003", dt.date(1960, 5, 1), 7, male=True))


def test_a_code_that_never_existed_is_accepted_but_flagged():
    number = build_id_number("411099", dt.date(1980, 1, 1), 1, male=True)
    assert norm.parse_id_number(number)[0] == number
    assert not norm.id_region_known(number)


def test_a_province_that_does_not_exist_and_a_bad_check_digit_are_refused():
    with pytest.raises(norm.Bad, match="province code 99"):
        norm.parse_id_number(build_id_number("991002", dt.date(1980, 1, 1), 1, male=True))
    with pytest.raises(norm.Bad, match="check digit"):
        norm.parse_id_number("411002198503152311")


def test_the_visit_form_uses_the_same_rule():
    from zoufang.visits.formschema import _clean_value

    number, stored = _clean_value({"type": "id_number", "code": "x"}, "411002198503152310")
    assert number == "411002198503152310"
    assert "2310" in stored
    with pytest.raises(norm.Bad):
        _clean_value({"type": "id_number", "code": "x"}, "991002198503152310")


def test_the_person_form_accepts_an_old_resident_and_flags_an_unknown_code(
    officer_a, client_for, tree
):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    wang = factories.resident(place.household, name="王建国", relation="householder")
    client = client_for(officer_a)

    def post(number: str):
        return client.post(
            f"/registry/persons/{wang.pk}/edit/",
            {"name": wang.name, "phone": "", "relation": wang.relation, "id_number": number},
        )

    old = build_id_number("411025", dt.date(1950, 6, 1), 5, male=True)  # 襄城县: 1997 in stdnum
    assert post(old).status_code == 302
    wang.refresh_from_db()
    assert wang.birth_date == dt.date(1950, 6, 1)
    assert not wang.region_unknown

    typo = build_id_number("411099", dt.date(1950, 6, 1), 5, male=True)
    assert post(typo).status_code == 302
    wang.refresh_from_db()
    assert wang.region_unknown
    page = client.get(f"/registry/persons/{wang.pk}/").content.decode()
    assert "地区码待核" in page
    listed = client.get("/registry/persons/?region_unknown=1").content.decode()
    assert "王建国" in listed
    factories.resident(place.household, name="李四")
    assert "李四" not in client.get("/registry/persons/?region_unknown=1").content.decode()
    assert "李四" in client.get("/registry/persons/").content.decode()


def test_an_import_keeps_old_residents_and_flags_unknown_codes(tree, write_csv):
    old = build_id_number("411002", dt.date(1960, 2, 2), 11, male=True)
    typo = build_id_number("411098", dt.date(1970, 2, 2), 12, male=False)
    path = write_csv(
        [
            ["街路巷", "门牌号", "姓名", "身份证号"],
            ["文峰路", "1", "张老汉", old],
            ["文峰路", "2", "李某", typo],
        ]
    )
    job = factories.import_file(path, tree.beat_a, "household")
    assert (job.accepted, job.rejected) == (2, 0)
    assert not Person.objects.with_id_number(old).get().region_unknown
    assert Person.objects.with_id_number(typo).get().region_unknown
