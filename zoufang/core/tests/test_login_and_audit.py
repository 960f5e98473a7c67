from __future__ import annotations

import hashlib

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from zoufang.org import services
from zoufang.org.admin import UnitAdmin
from zoufang.org.models import ApiToken, Personnel, Unit


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_user_logs_in_and_sees_the_home_page(officer_a):
    client = Client()
    response = _login(client, "officer_a", "pw-for-tests-1")
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert "张社区" in home.content.decode()
    assert AccessLog.objects.filter(username="officer_a").exists()


def test_a_wrong_password_gets_a_clear_message_in_chinese(officer_a):
    client = Client()
    response = _login(client, "officer_a", "wrong-password")
    assert response.status_code == 200
    # Django's invalid-login error, translated, in the form's alert (not a field label).
    assert "请输入一个正确的用户名和密码" in response.content.decode()
    assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
    assert AccessFailureLog.objects.filter(username="officer_a").exists()


def test_the_account_locks_after_repeated_failures(officer_a, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "officer_a", "wrong-password")
    locked = _login(client, "officer_a", "pw-for-tests-1")
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_the_token_endpoint_counts_failures_too(officer_a, settings):
    client = Client()
    url, kind = "/api/v1/auth/token", "application/json"
    first = client.post(url, {"username": "officer_a", "password": "x"}, content_type=kind)
    assert first.status_code == 401
    assert first.json()["code"] == "unauthenticated"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "officer_a", "password": "x"}, content_type=kind)
    locked = client.post(
        url, {"username": "officer_a", "password": "pw-for-tests-1"}, content_type=kind
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked"
    assert "锁定" in locked.json()["detail"]


def test_changes_to_core_records_are_audited_with_the_actor(office, people, client_for):
    client = client_for(office)
    person = people.aux_a
    response = client.post(
        reverse("org:personnel_edit", args=[person.pk]),
        {
            "name": person.name,
            "kind": person.kind,
            "post": person.post,
            "police_number": person.police_number,
            "phone": "13912345678",
            "unit": person.unit_id,
            "year_joined": person.year_joined,
            "deployed_to": person.deployed_to_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = (
        LogEntry.objects.get_for_object(person)
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    assert entry.actor == office
    assert "phone" in entry.changes_dict
    page = client.get(reverse("audit_log")).content.decode()
    assert person.name in page


def test_only_the_office_and_supervisors_read_the_audit_trail(
    office, supervisor, chief_a, officer_a, client_for
):
    assert client_for(office).get(reverse("audit_log")).status_code == 200
    assert client_for(supervisor).get(reverse("audit_log")).status_code == 200
    assert client_for(chief_a).get(reverse("audit_log")).status_code == 403
    assert client_for(officer_a).get(reverse("audit_log")).status_code == 403


def test_logins_and_failures_are_listed_for_the_office(office, officer_a, client_for):
    _login(Client(), "officer_a", "pw-for-tests-1")
    _login(Client(), "no-such-user", "bad-password")
    client = client_for(office)
    logins = client.get(reverse("audit_log") + "?tab=logins").content.decode()
    failures = client.get(reverse("audit_log") + "?tab=failures").content.decode()
    assert "officer_a" in logins
    assert "no-such-user" not in logins
    assert "no-such-user" in failures
    assert "officer_a" not in failures


def test_deleting_a_person_is_audited(people):
    person = people.desk_a
    person.memberships.all().delete()
    pk = person.pk
    person.delete()
    assert LogEntry.objects.filter(
        object_pk=str(pk), action=LogEntry.Action.DELETE, content_type__model="personnel"
    ).exists()
    assert not Personnel.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("police_number", "12AB", "警号"),
        ("phone", "12345", "手机"),
    ],
)
def test_the_person_form_rejects_bad_values_in_chinese(
    office, people, client_for, field, value, fragment
):
    person = people.co_a
    data = {
        "name": person.name,
        "kind": person.kind,
        "post": person.post,
        "police_number": person.police_number,
        "phone": person.phone,
        "unit": person.unit_id,
        "year_joined": person.year_joined,
        "beat": person.beat_id,
        "is_active": "on",
    }
    data[field] = value
    response = client_for(office).post(reverse("org:personnel_edit", args=[person.pk]), data)
    assert response.status_code == 200
    assert fragment in response.content.decode()
    person.refresh_from_db()
    assert getattr(person, field) != value


def test_a_duplicate_police_number_is_refused(office, people, client_for):
    other = people.co_b
    data = {
        "name": "新人",
        "kind": "officer",
        "post": "station",
        "police_number": other.police_number,
        "phone": "13700000000",
        "unit": people.co_a.unit_id,
        "year_joined": 2015,
        "is_active": "on",
    }
    response = client_for(office).post(reverse("org:personnel_create"), data)
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert not Personnel.objects.filter(name="新人").exists()


def test_a_chief_cannot_place_a_person_outside_the_station(chief_a, people, tree, client_for):
    data = {
        "name": "越界",
        "kind": "auxiliary",
        "post": "auxiliary",
        "police_number": "F55555",
        "phone": "13700000000",
        "unit": tree.s1.pk,
        "year_joined": 2020,
        "deployed_to": tree.beat_b.pk,
        "is_active": "on",
    }
    response = client_for(chief_a).post(reverse("org:personnel_create"), data)
    assert response.status_code == 200
    assert not Personnel.objects.filter(name="越界").exists()


def test_a_community_officer_cannot_add_people(officer_a, client_for):
    assert client_for(officer_a).get(reverse("org:personnel_create")).status_code == 403


def _admin_request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_the_unit_admin_refuses_a_delete_with_the_reasons(office, people, tree):
    # Through the admin's pages a unit with children never reaches delete_model (Unit.parent
    # is PROTECT, so the admin refuses first); bulk deletes and any other caller do.
    with pytest.raises(ValidationError) as refused:
        services.unit_delete(unit=tree.s1)
    request = _admin_request(office)
    UnitAdmin(Unit, admin.site).delete_model(request, tree.s1)
    assert Unit.objects.filter(pk=tree.s1.pk).exists()
    [message] = list(get_messages(request))
    assert message.level == messages.ERROR
    assert message.message == " ".join(refused.value.messages)
    assert tree.s1.name in message.message


def test_the_unit_admin_deletes_an_empty_unit_through_the_service(office, tree, client_for):
    response = client_for(office).post(
        reverse("admin:org_unit_delete", args=[tree.beat_a2.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=tree.beat_a2.pk).exists()
    assert LogEntry.objects.filter(
        object_pk=str(tree.beat_a2.pk), action=LogEntry.Action.DELETE, content_type__model="unit"
    ).exists()


def test_api_tokens_stay_out_of_the_audit_trail(officer_a):
    # The audit trail records every change of org's records; a token's hash must not be one of
    # them (ApiToken is not registered with auditlog), however often the token is used.
    before = LogEntry.objects.count()
    _token, key = services.api_token_create(user=officer_a)
    assert services.api_token_authenticate(key) == officer_a
    assert not LogEntry.objects.filter(content_type__model="apitoken").exists()
    assert LogEntry.objects.count() == before


def test_an_api_token_is_stored_only_as_its_hash(officer_a):
    token, key = services.api_token_create(user=officer_a)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert services.api_token_authenticate(key) == officer_a
    assert services.api_token_authenticate(token.key_hash) is None


def test_the_ui_is_chinese_by_default_and_english_on_request(officer_a, client_for):
    client = client_for(officer_a)
    assert "首页" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Home" in page
    assert "首页" not in page
