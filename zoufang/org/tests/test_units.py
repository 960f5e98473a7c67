from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from zoufang.org import services
from zoufang.org.models import Personnel, Team, Unit


def test_a_unit_with_children_or_people_cannot_be_deleted(people, tree):
    with pytest.raises(ValidationError) as err:
        services.unit_delete(unit=tree.s1)
    message = " ".join(err.value.messages)
    assert "西大街派出所" in message
    assert Unit.objects.filter(pk=tree.s1.pk).exists()


def test_an_empty_beat_can_be_deleted(tree):
    services.unit_delete(unit=tree.beat_a2)
    assert not Unit.objects.filter(pk=tree.beat_a2.pk).exists()


def test_moving_a_station_rewrites_the_paths_below_it(people, tree):
    station = tree.s1
    station.parent = tree.county_y
    services.unit_update(unit=station)
    beat = Unit.objects.get(pk=tree.beat_a.pk)
    assert beat.path.startswith(tree.county_y.path)
    assert Personnel.objects.get(pk=people.co_a.pk).unit_path == beat.path
    assert Team.objects.get(pk=people.team_a.pk).unit_path == beat.path
    # Still one subtree query: county Y now holds the beat's people.
    assert Personnel.objects.in_subtree(tree.county_y.path).filter(pk=people.co_a.pk).exists()


def test_a_unit_cannot_be_moved_under_itself(tree):
    county = tree.county_x
    county.parent = tree.s1
    with pytest.raises(ValidationError):
        services.unit_update(unit=county)


def test_a_beat_must_sit_under_a_station(tree):
    with pytest.raises(ValidationError):
        services.unit_create(
            code="411002009", name="错层社区", level=Unit.Level.BEAT, parent=tree.county_x
        )


@pytest.mark.parametrize("code", ["4110", "41100A", "1234567890123"])
def test_unit_codes_are_digits(tree, code):
    with pytest.raises(ValidationError):
        services.unit_create(code=code, name="新所", level=Unit.Level.STATION, parent=tree.county_x)


def test_unit_codes_are_unique(tree):
    with pytest.raises(ValidationError) as err:
        services.unit_create(
            code=tree.s1.code, name="重复所", level=Unit.Level.STATION, parent=tree.county_x
        )
    assert "code" in err.value.message_dict


def test_subtree_is_one_query(tree, people, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(Personnel.objects.in_subtree(tree.county_x.path).values_list("name", flat=True))
    assert names == {"张社区", "李辅警", "王机关", "孙所长"}
