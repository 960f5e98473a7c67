import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["org:unit_tree", "org:personnel_list", "org:team_list"])
def test_pages_render_for_office(name, office, people, client_for):
    r = client_for(office).get(reverse(name))
    assert r.status_code == 200
