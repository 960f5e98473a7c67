import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["org:unit_tree", "org:personnel_list", "org:team_list"])
def test_pages_render_for_office(name, office, people, client_for):
    r = client_for(office).get(reverse(name))
    assert r.status_code == 200


@pytest.mark.parametrize("name", ["org:personnel_list", "org:team_list"])
def test_the_export_link_keeps_the_pages_filters(name, office, people, client_for):
    page = client_for(office).get(reverse(name) + "?q=%E5%BC%A0").content.decode()
    assert 'href="?q=%E5%BC%A0&export=xlsx"' in page
