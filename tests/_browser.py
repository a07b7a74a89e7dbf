"""Shared by the browser tests (Playwright driving Debian's Chromium): launching, screenshots, reading the database.

Playwright's sync API runs an asyncio loop in the test's thread while it is active; Django then hands that thread
other connection objects (asgiref locals follow the loop's context), which would escape the test database's
serialized rollback. So: build what the test needs before the browser starts, keep Playwright to one test, and read
the database in between through `orm()`, which runs the query in a thread of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("JINGSU_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "screenshots"


@contextmanager
def chromium_page(base_url: str, *, width: int = 1366, height: int = 768, mobile: bool = False) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium; fails the test loudly (not a skip) when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium이 없습니다 ({CHROMIUM}). `sudo bash scripts/system-packages.sh` 또는 "
            "`sudo apt-get install -y chromium`으로 설치하세요 (make test가 먼저 실행합니다). "
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(scripts/system-packages.sh does this); `playwright install` is not used.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR",
                                      base_url=base_url, is_mobile=mobile, has_touch=mobile)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.failed_responses = []
        page.on("response", lambda r: r.status >= 400 and page.failed_responses.append(f"{r.status} {r.url}"))
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page: Any, name: str, *, max_width: int = 1366) -> Path:
    """A full-page screenshot kept as a test artifact; also checks there is no horizontal scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= max_width, f"{name}: page is {width}px wide (window {max_width})"
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def orm(fn: Any) -> Any:
    """Run `fn()` (ORM calls) in a fresh thread with its own connection, closed afterwards."""
    from django.db import connections

    def run() -> Any:
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
