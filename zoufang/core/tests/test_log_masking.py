"""Every log line has ID numbers and phones masked (the second guard behind POST search):
the handlers configured by config/settings/base.py LOGGING, captured as they write."""

from __future__ import annotations

import io
import logging

import pytest

from config.gunicorn import logconfig_dict
from zoufang.core.logging import MaskPersonalNumbers, mask_personal_numbers

FULL_ID = "411002199211130034"
PHONE = "13803740001"


@pytest.fixture
def written():
    """What the configured handlers (root console and runserver's access log) write."""
    stream = io.StringIO()
    handlers = [*logging.getLogger().handlers, *logging.getLogger("django.server").handlers]
    handlers = [h for h in handlers if any(isinstance(f, MaskPersonalNumbers) for f in h.filters)]
    assert len(handlers) == 2, "LOGGING configures the console and the server handlers"
    old = [h.stream for h in handlers]
    for h in handlers:
        h.setStream(stream)
    yield stream
    for h, s in zip(handlers, old, strict=True):
        h.setStream(s)


def test_a_search_by_get_is_logged_with_the_number_masked(officer_a, client_for, written):
    url = f"/registry/persons/?q={FULL_ID}&phone={PHONE}"
    assert client_for(officer_a).get(url).status_code == 200
    # The access line runserver writes for that request (gunicorn's goes through the same
    # filter, config/gunicorn.py).
    logging.getLogger("django.server").info('"GET %s HTTP/1.1" %s %s', url, 200, 5123)
    logging.getLogger("zoufang").warning("lookup of %s failed", FULL_ID)
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        logging.getLogger("zoufang").exception("import row")
    text = written.getvalue()
    assert "/registry/persons/?q=4110**********0034&phone=138****0001" in text
    assert "lookup of 4110**********0034 failed" in text
    assert "bad phone 138****0001" in text
    assert FULL_ID not in text
    assert PHONE not in text


def test_numbers_that_are_not_personal_are_left_alone():
    assert mask_personal_numbers("task 12345678901234 took 1234 ms") == (
        "task 12345678901234 took 1234 ms"
    )
    assert mask_personal_numbers("id 41100219921113003X.") == "id 4110**********003X."


def test_every_handler_and_gunicorn_use_the_filter(settings):
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal" in handler.get("filters", []), name
    for name, handler in logconfig_dict["handlers"].items():
        assert "mask_personal" in handler.get("filters", []), name
    f = logconfig_dict["filters"]["mask_personal"]["()"]
    assert f == f"{MaskPersonalNumbers.__module__}.{MaskPersonalNumbers.__name__}"
