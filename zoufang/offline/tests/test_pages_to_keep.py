"""The pages a phone keeps: contributed by the apps, limited to the user's own work."""

from __future__ import annotations

from django.urls import reverse


def _pages(client) -> list[str]:
    r = client.get("/offline/pages.json")
    assert r.status_code == 200
    return r.json()["pages"]


def test_it_needs_a_login(client):
    assert client.get("/offline/pages.json").status_code == 302


def test_a_team_member_keeps_todays_list_its_forms_and_the_finding_pages(
    client_for, member_a, tasks, people
):
    pages = _pages(client_for(member_a))
    team_tasks = [t for t in tasks.values() if t.team_id == people.team_a.pk]
    assert reverse("visits:today") in pages
    assert reverse("findings:create") in pages
    assert reverse("findings:mine") in pages
    assert reverse("offline:outbox") in pages
    forms = {p for p in pages if p.endswith("/visit/")}
    assert forms == {reverse("visits:record", args=[t.pk]) for t in team_tasks}


def test_another_beats_tasks_are_never_kept(client_for, officer_b, tasks, tree):
    pages = _pages(client_for(officer_b))
    beat_a_forms = {
        reverse("visits:record", args=[t.pk]) for t in tasks.values() if t.beat_id == tree.beat_a.pk
    }
    assert beat_a_forms
    assert not beat_a_forms & set(pages)


def test_a_researcher_keeps_no_field_page_only_the_outbox_and_the_pocket_book(
    client_for, researcher
):
    pages = _pages(client_for(researcher))
    assert reverse("offline:outbox") in pages
    assert not [p for p in pages if p.startswith(("/visits/", "/findings/"))]
    assert set(pages) - {reverse("offline:outbox")} <= {reverse("knowledge:index")}


def test_the_pocket_book_is_kept_whole_after_the_field_pages(client_for, member_a, tasks, settings):
    from zoufang.knowledge.models import Entry
    from zoufang.knowledge.services import pocketbook_load

    pocketbook_load()
    entries = [reverse("knowledge:entry", args=[s]) for s in Entry.objects.values_list("slug", flat=True)]  # fmt: skip
    pages = _pages(client_for(member_a))
    assert len(entries) >= 80
    assert set(entries) <= set(pages)
    assert pages.index(reverse("visits:today")) < pages.index(reverse("knowledge:index"))
    # when the limit cuts, the pocket book goes first and the day's work stays
    settings.OFFLINE_MAX_PAGES = 10
    assert reverse("visits:today") in _pages(client_for(member_a))


def test_a_page_named_in_the_setting_is_added_and_an_unknown_name_ignored(
    client_for, member_a, settings
):
    settings.OFFLINE_PAGES = ["help", "knowledge:index"]
    pages = _pages(client_for(member_a))
    assert reverse("help") in pages
    assert len(pages) == len(set(pages))


def test_the_number_of_pages_is_bounded(client_for, member_a, tasks, settings):
    settings.OFFLINE_MAX_PAGES = 5
    pages = _pages(client_for(member_a))
    assert len(pages) == 5
    settings.OFFLINE_MAX_PAGES = 3
    assert len(_pages(client_for(member_a))) == 3
