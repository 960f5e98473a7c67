"""Pages printed to PDF by one headless chromium per process, kept between prints.

Launching chromium costs about a second on an idle machine and several under load, more than
printing a report; the evening run prints the city's and every county's, and a download on
demand should not pay it either. Playwright's sync API is bound to the thread that started
it, while web servers and Celery call from many threads: so one printing thread owns the
browser and takes pages from a queue, one at a time (a print takes a fraction of a second once
warm). The browser is closed after `IDLE_SECONDS` without work, and relaunched after a failure.
(docs/decisions/0032-printing-and-list-totals.md)
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
IDLE_SECONDS = 300
READY = "body[data-charts-ready]"
MARGIN = {"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"}


class _Printer:
    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[str, Future] | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, html: str) -> Future:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)
                self.thread.start()
        future: Future = Future()
        self.jobs.put((html, future))
        return future

    def stop(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join(timeout=10)

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = None
            try:
                while True:
                    try:
                        job = self.jobs.get(timeout=IDLE_SECONDS)
                    except queue.Empty:
                        if browser is not None:
                            browser.close()
                            browser = None
                        continue
                    if job is None:
                        return
                    html, future = job
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        if browser is None or not browser.is_connected():
                            browser = _launch(p)
                        future.set_result(_print(browser, html))
                    except Exception as exc:  # handed to the caller, who raises it
                        logger.exception("printing a page to PDF failed")
                        future.set_exception(exc)
                        if browser is not None:
                            try:
                                browser.close()
                            except Exception:  # it is already broken
                                logger.warning("closing a broken chromium failed")
                            browser = None
            finally:
                if browser is not None:
                    browser.close()


def _launch(p: Any) -> Any:
    executable = getattr(settings, "CHROMIUM_PATH", str(CHROMIUM))
    return p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])


def _print(browser: Any, html: str) -> bytes:
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    try:
        page.set_content(html, wait_until="load")
        page.wait_for_selector(READY, timeout=15000)
        return page.pdf(format="A4", print_background=True, margin=MARGIN)
    finally:
        page.close()


_printer = _Printer()
atexit.register(_printer.stop)


def print_pdf(html: str, *, timeout: float = 120) -> bytes:
    """`html` (self-contained: its scripts and styles inline) printed to A4 once the page
    marks `body[data-charts-ready]`."""
    return _printer.submit(html).result(timeout=timeout)
