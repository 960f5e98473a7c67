"""A client generated from the schema (openapi-python-client, as a phone team would) drives
the field flow against a running server: token, my tasks, the forms, submit (201), the same
submission again (200), other content under the same UUID (409). If the schema drifts from
what the server does, this is where a client user would have noticed.

Marked `fuzz` (PostgreSQL pass of CI): generating the client takes a few seconds."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.api import api
from zoufang.visits.tests.test_api import payload

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def zoufang_client(tmp_path_factory):
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert tool, "openapi-python-client is a dev dependency (make install)"
    work = tmp_path_factory.mktemp("client")
    (work / "openapi.json").write_text(json.dumps(api.get_openapi_schema()), encoding="utf-8")
    (work / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")
    subprocess.run(  # noqa: S603 - our own dev tool, fixed arguments
        [
            tool,
            "generate",
            "--path",
            str(work / "openapi.json"),
            "--output-path",
            str(work / "zoufang_client"),
            "--meta",
            "none",
            "--config",
            str(work / "config.yaml"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module("zoufang_client")
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m.split(".")[0] == "zoufang_client"]:
            del sys.modules[name]


def test_a_generated_client_runs_the_field_flow(
    transactional_db, live_server, zoufang_client, member_a, household_task, people, catalog
):
    from zoufang_client import AuthenticatedClient, Client
    from zoufang_client.api.auth import auth_token
    from zoufang_client.api.visits import visits_forms, visits_submit, visits_tasks
    from zoufang_client.models import ErrorOut, TokenIn, TokenOut, VisitIn

    anonymous = Client(base_url=live_server.url)
    token = auth_token.sync(
        client=anonymous,
        body=TokenIn(username="member_a", password="pw-for-tests-1", device="generated"),
    )
    assert isinstance(token, TokenOut), token
    phone = AuthenticatedClient(base_url=live_server.url, token=token.token)

    page = visits_tasks.sync(client=phone, all_=True)
    task = next(t for t in page.items if t.id == household_task.pk)
    forms = visits_forms.sync(client=phone)
    assert task.form_code in {f.code for f in forms}

    data = payload(household_task, people)
    first = visits_submit.sync_detailed(client=phone, body=VisitIn.from_dict(data))
    assert first.status_code == 201, first.content
    again = visits_submit.sync_detailed(client=phone, body=VisitIn.from_dict(data))
    assert again.status_code == 200
    assert again.parsed.id == first.parsed.id
    other = visits_submit.sync_detailed(
        client=phone, body=VisitIn.from_dict({**data, "note": "another visit, same UUID"})
    )
    assert other.status_code == 409
    assert isinstance(other.parsed, ErrorOut)
    assert other.parsed.code == "conflict"
