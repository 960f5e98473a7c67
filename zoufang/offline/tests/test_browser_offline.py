"""The field pages without network, in a real chromium at 390 px (decision 0039).

The browser reaches the live server only through the gate (tests/gate.py): `down()` is a
network that is truly gone, for the pages and for the service worker alike, and the server's
own request log shows that nothing reached it meanwhile."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import BROWSER_TEST

pytestmark = BROWSER_TEST

SHOTS = os.environ.get("OFFLINE_SHOTS")


def shot(phone, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        phone.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def record_household_visit(phone, task_pk: int, householder: str) -> None:
    """Open the task from today's list and record a visit; the form goes to the queue."""
    page = phone.page
    page.click(f'[data-task="{task_pk}"]')
    page.wait_for_selector("#visit-form")
    page.click("label[for=o-visited]")
    page.fill("#q_householder_name", householder)
    page.select_option("#q_satisfaction", "满意")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(phone.url("/visits/"))
    page.wait_for_selector("[data-zf-alert=flash]")


def raise_finding(phone, description: str) -> None:
    page = phone.page
    phone.go("/findings/new/")
    page.select_option("#id_kind", "hazard-fire")
    page.fill("#id_description", description)
    page.click("form[data-offline] button.btn-primary")
    page.wait_for_url(phone.url("/findings/mine/"))
    page.wait_for_selector("[data-zf-alert=flash]")


def go_offline(phone, gate) -> float:
    gate.down()
    return time.monotonic()


@pytest.fixture
def second_task(tasks, places):
    return tasks[places.dwellings[1].pk]


@pytest.mark.django_db(transaction=True)
def test_two_visits_and_a_finding_recorded_offline_reach_the_server_exactly_once(
    phone, gate, received, member_a, household_task, second_task, catalog
):
    from zoufang.findings.models import Finding
    from zoufang.visits.models import Visit

    elsewhere: list[str] = []
    phone.context.route(
        lambda url: not url.startswith(gate.url),
        lambda route: (elsewhere.append(route.request.url), route.abort()),
    )
    phone.log_in("member_a")
    phone.install()
    page = phone.page

    offline_since = go_offline(phone, gate)
    phone.go("/visits/")  # the kept copy
    record_household_visit(phone, household_task.pk, "刘桂兰")
    record_household_visit(phone, second_task.pk, "王建国")
    raise_finding(phone, "楼道堆放杂物堵塞消防通道")
    page.reload()
    page.wait_for_selector("[data-zf-sync][data-pending='3']")
    # The today list marks both tasks as waiting to send.
    phone.go("/visits/")
    page.wait_for_selector(f'[data-task="{second_task.pk}"] [data-zf-queued]')
    assert page.locator(f'[data-task="{household_task.pk}"] [data-zf-queued]').count() == 1
    shot(phone, "offline-waiting-to-send")
    assert phone.pending() == 3
    queued = set(phone.queue_ids())
    assert received.since(offline_since) == []
    assert Visit.objects.count() == 0
    assert Finding.objects.count() == 0

    gate.up()
    page.reload()
    phone.wait_pending(0)
    page.wait_for_selector("[data-zf-sync][data-pending='0']")
    visits = Visit.objects.all()
    assert sorted(v.task_id for v in visits) == sorted([household_task.pk, second_task.pk])
    assert {str(v.client_uuid) for v in visits} <= queued
    assert sorted(v.answers["householder_name"] for v in visits) == ["刘桂兰", "王建国"]
    finding = Finding.objects.get()
    assert finding.description == "楼道堆放杂物堵塞消防通道"
    assert str(finding.client_uuid) in queued
    # Sending again (a second phone tab, a retry) changes nothing.
    page.evaluate("() => zfOffline.syncNow(true)")
    assert Visit.objects.count() == 2
    assert Finding.objects.count() == 1
    assert elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_a_send_cut_off_after_the_server_saved_it_is_stored_once(
    phone, gate, received, member_a, household_task, catalog
):
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    go_offline(phone, gate)
    phone.go("/visits/")
    record_household_visit(phone, household_task.pk, "刘桂兰")
    [queued] = phone.queue_ids()

    # The network comes back just long enough for the visit to reach the server, whose
    # answer is lost: the phone still holds the record, the server has it.
    gate.up()
    gate.cut_next(b"POST /api/v1/visits/ ")
    phone.page.evaluate("() => zfOffline.syncNow(true)")
    assert gate.dropped == 1
    assert Visit.objects.filter(client_uuid=queued).count() == 1
    assert phone.queue_ids() == [queued]

    gate.up()
    phone.page.evaluate("() => zfOffline.syncNow(true)")
    phone.wait_pending(0)
    assert Visit.objects.count() == 1
    assert Visit.objects.get().task_id == household_task.pk


@pytest.mark.django_db(transaction=True)
def test_a_conflict_shows_both_versions_and_drops_nothing_silently(
    phone, gate, member_a, household_task, catalog
):
    import datetime as dt

    from django.utils import timezone

    from zoufang.visits.models import Visit
    from zoufang.visits.services import VisitInput, visit_submit

    phone.log_in("member_a")
    phone.install()
    go_offline(phone, gate)
    phone.go("/visits/")
    record_household_visit(phone, household_task.pk, "刘桂兰")
    [queued] = phone.queue_ids()
    # Meanwhile the server got other contents under the same UUID (a send cut off, then the
    # record changed on the phone): nobody home, where the phone says visited.
    now = timezone.now()
    visit_submit(
        actor=member_a,
        task_id=household_task.pk,
        client_uuid=queued,
        data=VisitInput(
            outcome="nobody_home",
            started_at=now - dt.timedelta(minutes=10),
            ended_at=now - dt.timedelta(minutes=5),
            members=list(household_task.team.members.values_list("personnel_id", flat=True)),
            note="敲门无人应答",
        ),
    )

    gate.up()
    page = phone.page
    phone.go("/offline/")
    page.click("#zf-send-now")
    page.wait_for_selector("[data-state=conflict]")
    page.click("[data-show-conflict]")
    page.wait_for_selector("#zf-conflict:not([hidden])")
    phone_side = page.inner_text("[data-version=phone]")
    server_side = page.inner_text("[data-version=server]")
    assert "刘桂兰" not in server_side
    assert "敲门无人应答" in server_side
    assert "已走访" in phone_side or "visited" in phone_side.lower()
    assert "无人" in server_side
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot draws the sticky header where it is
    shot(phone, "offline-conflict")
    # Still on the phone until the officer decides.
    assert phone.queue_ids() == [queued]
    page.click("[data-resolve=server]")
    phone.wait_pending(0)
    assert Visit.objects.count() == 1
    assert Visit.objects.get().outcome == "nobody_home"


@pytest.mark.django_db(transaction=True)
def test_a_new_service_worker_version_keeps_the_queue(
    phone, gate, settings, member_a, household_task, catalog
):
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    page = phone.page
    before = page.evaluate(
        """() => new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = e => r(e.data.version);
        navigator.serviceWorker.controller.postMessage({type: "version"}, [c.port2]); })"""
    )
    go_offline(phone, gate)
    phone.go("/visits/")
    record_household_visit(phone, household_task.pk, "刘桂兰")

    # Back online, but the API still unreachable; a new version is deployed meanwhile.
    settings.OFFLINE_APP_VERSION = "next"
    gate.up()
    gate.block(b"/api/v1/")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    phone.wait_until(
        """before => new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = e => r(e.data.version !== before);
        navigator.serviceWorker.controller.postMessage({type: "version"}, [c.port2]); })""",
        before,
    )
    page.reload()
    assert phone.pending() == 1
    assert Visit.objects.count() == 0

    gate.up()
    page.evaluate("() => zfOffline.syncNow(true)")
    phone.wait_pending(0)
    assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_session_that_expired_offline_logs_in_again_and_sends_the_queue(
    phone, gate, received, member_a, household_task, catalog
):

    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    offline_since = go_offline(phone, gate)
    phone.go("/visits/")
    record_household_visit(phone, household_task.pk, "刘桂兰")
    end_sessions(phone)  # the session ends while the phone is offline
    assert received.since(offline_since) == []

    gate.up()
    page = phone.page
    page.evaluate("() => zfOffline.syncNow(true)")
    page.wait_for_selector("[data-zf-alert=login] a")
    assert phone.pending() == 1
    assert Visit.objects.count() == 0
    page.click("[data-zf-alert=login] a")
    page.fill("#id_username", "member_a")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    phone.wait_pending(0)
    assert Visit.objects.get().task_id == household_task.pk


@pytest.mark.django_db(transaction=True)
def test_logout_warns_about_unsent_records_and_leaves_no_personal_data(
    phone, gate, member_a, household_task, catalog
):
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    go_offline(phone, gate)
    phone.go("/visits/")
    record_household_visit(phone, household_task.pk, "刘桂兰")
    gate.up()
    gate.block(b"/api/v1/")
    page = phone.page
    phone.go("/visits/")
    page.click(".navbar-toggler")
    page.click("form[data-zf-logout] button")
    page.wait_for_selector("#zf-logout-modal.show")
    assert "1" in page.inner_text("#zf-logout-modal [data-zf-count]")
    page.click("[data-zf-choice=discard]")
    page.wait_for_url("**/accounts/login/**")
    assert Visit.objects.count() == 0

    held = page.evaluate(
        """async () => {
        const found = [];
        for (const db of await indexedDB.databases()) found.push("db:" + db.name);
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) {
            const text = await (await cache.match(request)).text();
            found.push(request.url + " " + text.slice(0, 100000));
          }
        }
        return found;
      }"""
    )
    text = "\n".join(held)
    assert "zoufang-offline" not in text
    for personal in ("刘桂兰", "李辅警", "文峰路", "member_a", "张社区"):
        assert personal not in text


def end_sessions(phone) -> None:
    """End the phone's session on the server, whichever engine holds it (the database, or the
    shared cache when REDIS_URL is set, as on CI and in production)."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [
        c["value"]
        for c in phone.page.context.cookies()
        if c["name"] == settings.SESSION_COOKIE_NAME
    ]
    assert keys
    for key in keys:
        store(session_key=key).delete()


def fill_household_visit(phone, task_pk: int, householder: str) -> str:
    """Open the task from today's list and fill the visit in; the form's client UUID."""
    page = phone.page
    page.click(f'[data-task="{task_pk}"]')
    page.wait_for_selector("#visit-form")
    page.click("label[for=o-visited]")
    page.fill("#q_householder_name", householder)
    page.select_option("#q_satisfaction", "满意")
    return page.input_value("#visit-form input[name=client_uuid]")


def wait_for(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"still not {what} after {timeout} s"
        time.sleep(0.1)


def shows_the_failure(page) -> bool:
    """The browser shows the proxy's 503."""
    try:
        return "Service Unavailable" in page.content()
    except PlaywrightError:  # the page is navigating
        return False


def go_after_failure(phone, path: str) -> None:
    """Open a page once the browser is done with the failed POST (it may still retry it or
    draw its error page, which interrupts a navigation started meanwhile)."""
    for attempt in range(5):
        try:
            phone.go(path)
            return
        except PlaywrightError:
            if attempt == 4:
                raise
            time.sleep(1)


@pytest.mark.parametrize("failure", ["cut", "503"])
@pytest.mark.django_db(transaction=True)
def test_a_form_whose_post_fails_after_a_good_ping_stays_queued_and_is_sent_once(
    phone, gate, received, member_a, household_task, catalog, failure
):
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    phone.go("/visits/")
    form_uuid = fill_household_visit(phone, household_task.pk, "刘桂兰")
    # The probe answers; then every POST dies: the connection is dropped without an answer,
    # or a proxy answers 503 while the application restarts.
    if failure == "cut":
        gate.block(b"POST ")
    else:
        gate.answer(b"POST ")
    since = time.monotonic()
    phone.page.click("#visit-form button[type=submit]")
    form_post = f"POST /visits/tasks/{household_task.pk}/visit/ ".encode()
    wait_for(lambda: any(line.startswith(form_post) for line in gate.turned_away), "posted")
    if failure == "503":
        wait_for(lambda: shows_the_failure(phone.page), "failed")
    assert "GET /offline/ping" in received.since(since)
    assert not any(r.startswith("POST ") for r in received.since(since))

    # The record waits on the phone under the form's UUID, and is retried with back-off
    # while POSTs still fail.
    go_after_failure(phone, "/offline/")
    phone.page.wait_for_selector(f'[data-record="{form_uuid}"][data-state=pending]')
    phone.wait_until("() => zfOffline.mine().then(r => r.length === 1 && r[0].attempts >= 1)")
    [record] = phone.page.evaluate("() => zfOffline.mine()")
    assert record["id"] == form_uuid
    assert record["next_at"] > phone.page.evaluate("Date.now()")
    assert Visit.objects.count() == 0

    gate.up()
    phone.page.click("#zf-send-now")
    phone.wait_pending(0)
    visit = Visit.objects.get()
    assert str(visit.client_uuid) == form_uuid
    assert visit.answers["householder_name"] == "刘桂兰"
    phone.page.evaluate("() => zfOffline.syncNow(true)")
    phone.go("/visits/")
    assert Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_form_sent_the_usual_way_leaves_nothing_queued(
    phone, gate, member_a, household_task, catalog
):
    """Online, the copy kept during the POST goes once the server has the visit; a refused
    form comes back on the screen and its copy goes too."""
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    phone.go("/visits/")
    page = phone.page
    page.click(f'[data-task="{household_task.pk}"]')
    page.wait_for_selector("#visit-form")
    page.click("label[for=o-visited]")
    page.click("#visit-form button[type=submit]")  # the householder's name is missing
    page.wait_for_selector("#visit-form .is-invalid")
    phone.wait_pending(0)
    page.fill("#q_householder_name", "刘桂兰")
    page.select_option("#q_satisfaction", "满意")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(phone.url("/visits/"))
    phone.wait_pending(0)
    assert Visit.objects.get().answers["householder_name"] == "刘桂兰"


@pytest.mark.django_db(transaction=True)
def test_a_refused_record_is_corrected_in_its_form_and_sent_under_the_same_uuid(
    phone, gate, member_a, household_task, catalog
):
    from zoufang.visits.models import Visit

    phone.log_in("member_a")
    phone.install()
    go_offline(phone, gate)
    phone.go("/visits/")
    page = phone.page
    # Offline nothing checks the form: a visit without the householder's name is queued.
    page.click(f'[data-task="{household_task.pk}"]')
    page.wait_for_selector("#visit-form")
    page.click("label[for=o-visited]")
    page.select_option("#q_satisfaction", "满意")
    page.fill("#note", "二楼东户")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(phone.url("/visits/"))
    [queued] = phone.queue_ids()

    gate.up()
    phone.go("/offline/")
    page.click("#zf-send-now")
    page.wait_for_selector(f'[data-record="{queued}"][data-state=refused]')
    assert Visit.objects.count() == 0
    page.click(f'[data-fix="{queued}"]')
    page.wait_for_selector("[data-zf-alert=fix]")
    # The form is filled in from the queued record.
    assert page.is_checked("#o-visited")
    assert page.input_value("#note") == "二楼东户"
    assert page.input_value("#q_satisfaction") == "满意"
    page.fill("#q_householder_name", "刘桂兰")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(phone.url("/offline/"))
    phone.wait_pending(0)
    visit = Visit.objects.get()
    assert str(visit.client_uuid) == queued
    assert visit.answers["householder_name"] == "刘桂兰"
    assert visit.note == "二楼东户"
