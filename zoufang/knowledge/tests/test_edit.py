"""Editing the pocket book: versions, history and its changes, the refused save over someone
else's newer edit (nothing lost), and who may read and edit."""

from __future__ import annotations

import pytest

from zoufang.core.roles import Role
from zoufang.knowledge.models import Entry, EntryVersion
from zoufang.knowledge.services import EditConflict, entry_save
from zoufang.knowledge.tests.conftest import form_data
from zoufang.org.tests.factories import UserFactory


def test_each_save_is_a_version_and_history_shows_what_changed(entry, office, client_for):
    c = client_for(office)
    page = c.post(f"/pocketbook/entries/{entry.slug}/edit/", form_data(entry, say="先挂失，再到就近的户籍窗口补领。", note="补充就近办理"))  # fmt: skip
    assert page.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2
    assert entry.say == "先挂失，再到就近的户籍窗口补领。"
    assert list(entry.versions.order_by("version").values_list("version", "say")) == [
        (1, "先挂失，再到户籍窗口补领。"),
        (2, "先挂失，再到就近的户籍窗口补领。"),
    ]
    history = c.get(f"/pocketbook/entries/{entry.slug}/history/?v=2").content.decode()
    assert "<ins>就近的</ins>" in history
    assert "补充就近办理" in history
    first = c.get(f"/pocketbook/entries/{entry.slug}/history/?v=1").content.decode()
    assert "先挂失，再到户籍窗口补领。" in first
    assert c.get(f"/pocketbook/entries/{entry.slug}/history/?v=9").status_code == 404


def test_saving_over_a_newer_edit_is_refused_and_keeps_the_text(entry, office, client_for, tree):
    colleague = UserFactory(username="office2", role=Role.WORKING_TEAM)
    opened = form_data(entry)  # both open version 1
    client_for(colleague).post(
        f"/pocketbook/entries/{entry.slug}/edit/", {**opened, "standard": "当场讲清、一次办结。"}
    )
    mine = "先挂失，再到户籍窗口补领，可以邮寄。"
    page = client_for(office).post(
        f"/pocketbook/entries/{entry.slug}/edit/", {**opened, "say": mine}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "data-conflict" in body
    assert mine in body  # the editor's text is back in the form
    assert "当场讲清、一次办结。" in body  # and the colleague's saved text is shown
    assert 'name="base_version" value="2"' in body
    entry.refresh_from_db()
    assert entry.version == 2
    assert entry.say == "先挂失，再到户籍窗口补领。"
    assert entry.standard == "当场讲清、一次办结。"
    assert EntryVersion.objects.filter(entry=entry).count() == 2
    # Saving again from the form as returned is a deliberate overwrite, and goes through.
    again = client_for(office).post(
        f"/pocketbook/entries/{entry.slug}/edit/", {**opened, "say": mine, "base_version": 2}
    )
    assert again.status_code == 302
    entry.refresh_from_db()
    assert (entry.version, entry.say) == (3, mine)


def test_the_service_refuses_a_stale_version_and_writes_nothing(entry, office):
    data = {f: getattr(entry, f) for f in ("title", "say", "do", "how", "standard", "basis")}
    entry_save(entry=entry, data={**data, "do": "甲"}, base_version=1, actor=office)
    with pytest.raises(EditConflict) as exc:
        entry_save(entry=entry, data={**data, "do": "乙"}, base_version=1, actor=office)
    assert exc.value.current.version == 2
    entry.refresh_from_db()
    assert entry.do == "甲"
    assert entry.versions.count() == 2


def test_a_blank_part_is_refused_with_the_text_kept(entry, office, client_for):
    page = client_for(office).post(f"/pocketbook/entries/{entry.slug}/edit/", form_data(entry, standard="", say="新的说法"))  # fmt: skip
    assert page.status_code == 200
    assert "新的说法" in page.content.decode()
    entry.refresh_from_db()
    assert entry.version == 1


@pytest.mark.parametrize(
    "who",
    ["officer_a", "member_a", "chief_a", "county_admin", "researcher", "supervisor", "leader"],
)
def test_only_the_office_edits(entry, who, request, client_for):
    c = client_for(request.getfixturevalue(who))
    url = f"/pocketbook/entries/{entry.slug}/edit/"
    assert c.get(url).status_code == 403
    assert c.post(url, form_data(entry, say="改")).status_code == 403
    assert c.get("/pocketbook/new/").status_code == 403
    assert c.post("/pocketbook/load/").status_code == 403
    entry.refresh_from_db()
    assert entry.version == 1
    page = c.get(f"/pocketbook/entries/{entry.slug}/").content.decode()
    assert "/edit/" not in page


@pytest.mark.parametrize(
    "who",
    [
        "officer_a",
        "member_a",
        "chief_a",
        "county_admin",
        "researcher",
        "supervisor",
        "leader",
        "office",
    ],
)
def test_every_staff_role_reads_the_book(entry, who, request, client_for):
    c = client_for(request.getfixturevalue(who))
    assert c.get("/pocketbook/").status_code == 200
    page = c.get(f"/pocketbook/entries/{entry.slug}/")
    assert page.status_code == 200
    assert entry.say in page.content.decode()
    assert c.get(f"/pocketbook/entries/{entry.slug}/history/").status_code == 200
    assert c.get("/pocketbook/chapters/huji/").status_code == 200
    assert c.get("/api/v1/pocketbook/entries/" + entry.slug).json()["say"] == entry.say


def test_an_account_without_a_role_reads_nothing(entry, client_for, tree):
    c = client_for(UserFactory(username="norole", role=""))
    assert c.get("/pocketbook/").status_code == 403
    assert c.get(f"/pocketbook/entries/{entry.slug}/").status_code == 403
    assert c.get("/api/v1/pocketbook/entries").status_code == 403


def test_a_missing_entry_is_404_and_anonymous_goes_to_login(entry, client, client_for, officer_a):
    assert client_for(officer_a).get("/pocketbook/entries/no-such-entry/").status_code == 404
    assert client_for(officer_a).get("/api/v1/pocketbook/entries/no-such-entry").status_code == 404
    page = client.get(f"/pocketbook/entries/{entry.slug}/")
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_the_json_list_carries_versions_for_an_offline_client(entry, office, client_for, officer_a):
    c = client_for(officer_a)
    rows = c.get("/api/v1/pocketbook/entries").json()
    assert [(r["slug"], r["version"]) for r in rows] == [(entry.slug, 1)]
    client_for(office).post(f"/pocketbook/entries/{entry.slug}/edit/", form_data(entry, do="新"))
    rows = c.get("/api/v1/pocketbook/entries").json()
    assert [(r["slug"], r["version"]) for r in rows] == [(entry.slug, 2)]
    hits = c.get("/api/v1/pocketbook/search", {"q": "身份证丢了"}).json()
    assert hits[0]["slug"] == entry.slug


def test_the_office_adds_an_entry_and_loads_the_starter_set(office, client_for, tree):
    c = client_for(office)
    assert "data-no-hits" not in c.get("/pocketbook/").content.decode()
    c.post("/pocketbook/load/")
    assert Entry.objects.count() >= 80
    chapter = Entry.objects.get(slug="fuwu-passport").chapter
    page = c.post(
        "/pocketbook/new/",
        {"slug": "fuwu-new", "chapter": chapter.pk, "title": "新条目", "say": "说", "do": "做",
         "how": "怎么做", "standard": "标准", "basis": "依据", "note": ""},
    )  # fmt: skip
    assert page.status_code == 302
    assert Entry.objects.get(slug="fuwu-new").versions.count() == 1
    dup = c.post("/pocketbook/new/", {"slug": "fuwu-new", "chapter": chapter.pk, "title": "x", "say": "x", "do": "x", "how": "x", "standard": "x", "basis": "x"})  # fmt: skip
    assert dup.status_code == 200
    assert Entry.objects.filter(slug="fuwu-new").count() == 1
    before = Entry.objects.count()
    c.post("/pocketbook/load/")  # again: nothing doubled
    assert Entry.objects.count() == before
