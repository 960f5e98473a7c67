from __future__ import annotations

import threading
import time

import pytest
from django.core.signals import request_started

from zoufang.offline.tests.gate import Gate

# The visit app's fixtures (its beat with addresses, tasks and catalog) for the field pages.
from zoufang.visits.tests.conftest import (  # noqa: F401
    _fresh_catalog_caches,
    _media,
    catalog,
    household_task,
    places,
    tasks,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def gate(live_server):
    host, port = live_server.url.removeprefix("http://").split(":")
    g = Gate(host, int(port))
    yield g
    g.close()


class Received:
    """Every request the server starts handling, with its time (the live server runs in a
    thread of this process, so Django's own signal sees them)."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __call__(self, sender: object, environ: dict, **kwargs: object) -> None:
        with self._lock:
            self.log.append(
                (time.monotonic(), f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            )

    def since(self, moment: float) -> list[str]:
        with self._lock:
            return [path for at, path in self.log if at >= moment]


@pytest.fixture
def received():
    r = Received()
    request_started.connect(r, weak=False)
    yield r
    request_started.disconnect(r)


class Phone:
    """A phone-sized chromium page that talks to the server through the gate."""

    def __init__(self, browser, gate: Gate) -> None:
        self.gate = gate
        self.context = browser.new_context(viewport=PHONE, locale="zh-CN")
        self.page = self.context.new_page()
        # A loaded CI machine starts chromium and the live server slowly.
        self.page.set_default_timeout(60000)
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text))

    def url(self, path: str) -> str:
        return f"{self.gate.url}{path}"

    def go(self, path: str) -> None:
        self.page.goto(self.url(path))

    def log_in(self, username: str, then: str = "/visits/") -> None:
        self.go(f"/accounts/login/?next={then}")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-for-tests-1")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        if "/accounts/login/code/" in self.page.url:  # a user with two-factor login
            from zoufang.org.models import User
            from zoufang.org.tests.otp import fresh_code

            self.page.fill("#id_code", fresh_code(User.objects.get(username=username)))
            self.page.click("button[data-otp-submit]")
        self.page.wait_for_url(self.url(then))

    def wait_until(self, js: str, arg: object = None, timeout: float = 20.0) -> object:
        """Poll `js` (a function) with `page.evaluate` until it is truthy. (Playwright's
        wait_for_function evaluates its predicate as a string, which the pages' CSP refuses.)"""
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(js, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                state = self.page.evaluate(
                    "() => zfOffline.mine().then(r => r.map(x => [x.kind, x.state, x.attempts, x.error]))"
                )
                raise AssertionError(
                    f"still false after {timeout} s: {js}; queue {state}; {self.console[-5:]}"
                )
            time.sleep(0.1)

    def install(self) -> None:
        """Wait for the service worker to control the page and keep the user's pages."""
        self.wait_until("() => navigator.serviceWorker.controller !== null")
        self.wait_until("() => window.zfOffline !== undefined")
        self.page.evaluate("() => zfOffline.keepPages(true)")

    def pending(self) -> int:
        return len(self.page.evaluate("() => zfOffline.mine()"))

    def wait_pending(self, n: int, timeout: float = 20.0) -> None:
        self.wait_until("n => zfOffline.mine().then(r => r.length === n)", n, timeout)

    def queue_ids(self) -> list[str]:
        return self.page.evaluate("() => zfOffline.mine().then(r => r.map(x => x.id))")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(browser, gate):
    p = Phone(browser, gate)
    yield p
    p.close()
