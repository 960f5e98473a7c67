"""The user guide's screenshots: which page, as whom, at which width. The browser test
(test_manual.py) takes every one on each run and compares the page's outline (its title,
headings, labels, column heads, buttons and menu) with the one recorded beside the picture
in docs/manual/img/; `make manual` (MANUAL_WRITE=1) records both anew."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

IMG = Path(__file__).resolve().parents[3] / "docs" / "manual" / "img"
PHONE, DESK = 390, 1366
MAX_HEIGHT = 1800  # a long page is cut here: the guide shows its top


@dataclass(frozen=True)
class Shot:
    name: str
    user: str | None  # a fixture of the test cast; None: not signed in
    path: str  # formatted with the ids of the cast's records
    width: int = DESK


SHOTS = [
    Shot("officer-login", None, "/accounts/login/", PHONE),
    Shot("officer-today", "officer_a", "/visits/", PHONE),
    Shot("officer-task", "officer_a", "/visits/tasks/{task}/", PHONE),
    Shot("officer-record", "officer_a", "/visits/tasks/{task}/visit/", PHONE),
    Shot("officer-finding-new", "officer_a", "/findings/new/", PHONE),
    Shot("officer-mine", "officer_a", "/findings/mine/", PHONE),
    Shot("officer-notifications", "officer_a", "/notifications/", PHONE),
    Shot("chief-home", "chief_a", "/"),
    Shot("chief-notices", "chief_a", "/patrol/notices/"),
    Shot("chief-teams", "chief_a", "/org/teams/"),
    Shot("chief-team", "chief_a", "/org/teams/{team}/"),
    Shot("chief-beat-tasks", "chief_a", "/visits/beats/{beat}/tasks/"),
    Shot("chief-coverage", "chief_a", "/visits/coverage/"),
    Shot("chief-unvisited", "chief_a", "/visits/beats/{beat}/unvisited/"),
    Shot("chief-ledger", "chief_a", "/findings/"),
    Shot("chief-finding", "chief_a", "/findings/{finding}/"),
    Shot("chief-registry", "chief_a", "/registry/"),
    Shot("chief-place", "chief_a", "/registry/places/{place}/"),
    Shot("chief-phone-ledger", "chief_a", "/findings/", PHONE),
    Shot("county-people", "county_admin", "/org/people/"),
    Shot("county-person-new", "county_admin", "/org/people/new/"),
    Shot("county-units", "county_admin", "/org/units/"),
    Shot("county-import", "county_admin", "/registry/imports/"),
    Shot("county-stats", "county_admin", "/findings/stats/"),
    Shot("office-home", "office", "/"),
    Shot("office-audit", "office", "/audit/"),
    Shot("office-report", "office", "/dashboard/reports/"),
    Shot("office-setup", "office", "/admin/"),
    Shot("supervisor-index", "supervisor", "/supervision/"),
    Shot("supervisor-patrol", "supervisor", "/patrol/"),
    Shot("supervisor-coverage", "supervisor", "/visits/coverage/"),
    Shot("supervisor-ledger", "supervisor", "/findings/"),
    Shot("leader-home", "leader", "/"),
    Shot("leader-stats", "leader", "/findings/stats/"),
    Shot("leader-phone-home", "leader", "/", PHONE),
    Shot("researcher-department", "researcher", "/findings/department/"),
    Shot("researcher-home", "researcher", "/research/"),
    Shot("researcher-topic", "researcher", "/research/topics/{topic}/"),
    Shot("office-research-review", "office", "/research/topics/{topic}/report/"),
    Shot(
        "office-questionnaire-results",
        "office",
        "/research/questionnaires/{questionnaire}/results/",
    ),
    Shot("officer-pocketbook", "officer_a", "/pocketbook/?q=身份证丢了怎么办", PHONE),
]

# The page's outline, with digits folded (counts and dates change; what the page offers
# does not). Values in table cells are left out on purpose.
OUTLINE_JS = """() => {
  const fold = (t) => t.replace(/\\s+/g, ' ').replace(/[0-9]+/g, '#').trim();
  const pick = (sel) => Array.from(document.querySelectorAll(sel))
      .filter((e) => e.offsetParent !== null || e.tagName === 'OPTION')
      .map((e) => fold(e.innerText || e.value || '')).filter(Boolean);
  return {
    title: fold(document.title),
    menu: pick('nav.navbar .nav-link'),
    headings: pick('main h1, main h2, main h3, main h4, main h5, main legend'),
    labels: pick('main label, main th, main button, main .btn, main .nav-tabs .nav-link'),
  };
}"""


def recorded(shot: Shot) -> dict | None:
    path = IMG / f"{shot.name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def record(shot: Shot, outline: dict, picture: bytes) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    (IMG / f"{shot.name}.png").write_bytes(picture)
    text = json.dumps(outline, ensure_ascii=False, indent=1) + "\n"
    (IMG / f"{shot.name}.json").write_text(text, encoding="utf-8")
