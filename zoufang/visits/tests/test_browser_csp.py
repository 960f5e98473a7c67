"""Chromium renders pages with the Content-Security-Policy on, and nothing is blocked: the
home page and the statistics with their ECharts charts, the visit form, the API docs."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TEST
from zoufang.org.tests.otp import browser_log_in

pytestmark = BROWSER_TEST

# Recorded before any page script runs (init scripts are not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.mark.django_db(transaction=True)
def test_pages_render_under_the_policy_without_a_violation(
    live_server, browser, office, member_a, household_task, catalog
):
    def visit(page, path: str, ready: str) -> list[str]:
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(ready)
        page.wait_for_timeout(500)  # late loads (fonts, images) report too
        violations = page.evaluate("window.__csp")
        return violations + [m for m in console if "Content Security Policy" in m]

    def sign_in(username: str):
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        browser_log_in(page, live_server.url, username)
        page.wait_for_url(f"{live_server.url}/")
        return context, page

    context, page = sign_in("office")
    problems = {
        "/": visit(page, "/", "[data-chart=daily] canvas"),
        "/findings/stats/": visit(page, "/findings/stats/", "#findings-chart canvas"),
        "/visits/coverage/": visit(page, "/visits/coverage/", "#coverage-chart canvas"),
        "/api/v1/docs": visit(page, "/api/v1/docs", ".swagger-ui .info"),
    }
    context.close()
    context, page = sign_in("member_a")
    problems["record"] = visit(page, f"/visits/tasks/{household_task.pk}/visit/", "#visit-form")
    context.close()
    assert problems == {path: [] for path in problems}
