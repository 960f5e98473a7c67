"""The admin site: administrators and the office only, each in their own scope, and only on
a session that passed the second login step (issue 17)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from zoufang.core.roles import Role
from zoufang.org.tests.factories import UserFactory
from zoufang.org.tests.otp import two_step_login


def test_a_county_admin_sees_only_own_county_in_the_admin(county_admin, people, client_for):
    page = client_for(county_admin).get(reverse("admin:org_personnel_changelist"))
    assert page.status_code == 200
    assert "张社区" in page.content.decode()
    assert "赵社区" not in page.content.decode()


def test_a_county_admin_cannot_open_a_person_of_another_county(tree, people, client_for):
    admin_y = UserFactory(
        username="admin_y", role=Role.COUNTY_ADMIN, unit=tree.county_y, is_staff=True
    )
    response = client_for(admin_y).get(
        reverse("admin:org_personnel_change", args=[people.co_a.pk]), follow=True
    )
    assert "张社区" not in response.content.decode()
    assert response.status_code == 404  # as for an id that does not exist


def test_the_office_edits_catalogs_but_a_county_admin_only_reads_them(
    office, county_admin, campaign, client_for
):
    item = campaign.catalog.first()
    url = reverse("admin:campaigns_catalogitem_change", args=[item.pk])
    assert (
        client_for(office)
        .post(
            url,
            {
                "campaign": campaign.pk,
                "kind": item.kind,
                "code": item.code,
                "name": "新名称",
                "order": 1,
                "is_active": "on",
                "data": "{}",
                "description": "",
            },
        )
        .status_code
        == 302
    )
    item.refresh_from_db()
    assert item.name == "新名称"
    assert client_for(county_admin).post(url, {"name": "再改"}).status_code == 403


def test_station_chiefs_and_officers_get_no_admin_even_with_the_staff_flag(
    chief_a, officer_a, client_for
):
    officer_a.is_staff = True
    officer_a.save()
    for user in (chief_a, officer_a):
        client = client_for(user)
        assert client.get(reverse("admin:index"), follow=True).status_code == 404
        assert client.get(reverse("admin:org_personnel_changelist"), follow=True).status_code == 404
        assert reverse("admin:index") not in client.get(reverse("home")).content.decode()


def test_the_admin_needs_the_second_step_and_sends_strangers_to_the_login(office):
    anonymous = Client()
    response = anonymous.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    # Password only: the admin (and every page) is not reached before the code.
    half = Client()
    first = half.post(reverse("login"), {"username": "office", "password": "pw-for-tests-1"})
    assert first["Location"] == reverse("login_verify")
    assert half.get(reverse("admin:index")).status_code == 302
    assert "_auth_user_id" not in half.session
    full = Client()
    assert two_step_login(full, "office").status_code == 302
    assert full.get(reverse("admin:index")).status_code == 200
