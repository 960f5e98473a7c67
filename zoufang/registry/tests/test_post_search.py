"""Searching by a full ID number or phone goes by POST: the number is searched but never
put into a URL (the pushed address, the pager's links), so never into an access log."""

from __future__ import annotations

from zoufang.registry.crypto import decrypt
from zoufang.registry.tests import factories


def _home(tree):
    place = factories.dwelling(tree.beat_a, road="文峰路", number="12", room="501")
    wang = factories.resident(place.household, name="王建国", phone="13803740001")
    factories.resident(place.household, name="李秀英")
    return wang


def test_the_search_form_posts(officer_a, client_for, tree):
    body = client_for(officer_a).get("/registry/persons/").content.decode()
    assert 'hx-post="/registry/persons/"' in body
    assert 'method="post"' in body


def test_a_posted_id_number_search_finds_the_person_and_keeps_the_number_out_of_the_url(
    officer_a, client_for, tree
):
    wang = _home(tree)
    full = decrypt(wang.id_enc)
    client = client_for(officer_a)
    for q in (full, "13803740001"):
        r = client.post(
            "/registry/persons/", {"q": q, "separated": "", "unit": ""}, HTTP_HX_REQUEST="true"
        )
        assert r.status_code == 200
        body = r.content.decode()
        assert "王建国" in body
        assert "李秀英" not in body
        assert q not in r["HX-Push-Url"]
        assert q not in body  # the masked list shows no full number, nor do the pager's links


def test_a_posted_name_search_keeps_its_filters_in_the_url(officer_a, client_for, tree):
    _home(tree)
    r = client_for(officer_a).post(
        "/registry/", {"q": "文峰路", "kind": "dwelling"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    assert r["HX-Push-Url"] == "/registry/?q=%E6%96%87%E5%B3%B0%E8%B7%AF&kind=dwelling"
