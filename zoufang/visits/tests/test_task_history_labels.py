"""A task's history reads as sentences, not codes: "generate → 文峰社区走访组" and
"visit pending → refused" are shown with the actions' and states' labels, in both languages."""

from __future__ import annotations

import re

from django.urls import reverse

from zoufang.visits.tests.factories import record


def _history(client, task, language: str) -> str:
    client.cookies["django_language"] = language
    page = client.get(reverse("visits:task_detail", args=[task.pk])).content.decode()
    items = re.findall(r'<li class="list-group-item">(.*?)</li>', page, re.S)
    return re.sub(r"<[^>]+>", "", "\n".join(items))


def test_the_task_history_shows_labels(client_for, officer_a, household_task):
    record(household_task, officer_a, outcome="refused")
    client = client_for(officer_a)
    zh = _history(client, household_task, "zh-hans")
    assert "走访登记" in zh
    assert "尚未走访 → 拒访" in zh
    en = _history(client, household_task, "en")
    assert "Visit recorded" in en
    assert "Not yet attempted → Refused" in en
    assert "Task generated" in en
    for code in ("generate", "visit", "pending", "refused"):
        assert not re.search(rf"\b{code}\b", en), code
        assert code not in zh, code
