from __future__ import annotations

from django.urls import reverse


def test_a_chief_sees_only_own_station_in_the_admin(chief_a, people, client_for):
    page = client_for(chief_a).get(reverse("admin:org_personnel_changelist")).content.decode()
    assert "张社区" in page
    assert "赵社区" not in page


def test_a_chief_cannot_open_a_person_of_another_station_in_the_admin(chief_b, people, client_for):
    response = client_for(chief_b).get(
        reverse("admin:org_personnel_change", args=[people.co_a.pk]), follow=True
    )
    assert "张社区" not in response.content.decode()
    assert response.status_code == 404  # as for an id that does not exist


def test_the_office_edits_catalogs_but_a_chief_only_reads_them(
    office, chief_a, campaign, client_for
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
    assert client_for(chief_a).post(url, {"name": "再改"}).status_code == 403


def test_community_officers_have_no_admin_even_with_the_staff_flag(officer_a, client_for):
    # Django's own rule turns away non-staff; ours (ScopedAdmin) asks for a manager role too.
    officer_a.is_staff = True
    officer_a.save()
    client = client_for(officer_a)
    changelist = reverse("admin:org_personnel_changelist")
    assert client.get(changelist).status_code == 403
    assert changelist not in client.get(reverse("admin:index")).content.decode()
