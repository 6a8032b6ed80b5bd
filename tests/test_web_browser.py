"""The page in a real Chromium (Debian's), driven by Playwright; screenshots kept as artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(autouse=True)
def _english_again():
    """The page's language switch also sets the engine's language (same process here)."""
    from overlay import i18n

    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path):
    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path))
    yield running
    running.stop()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(locale="th-TH", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_page_opens_with_token_and_switches_language(page, server):
    page.goto(server.url)
    assert page.get_by_test_id("nav-report").is_visible()
    page.get_by_test_id("lang-th").click()
    page.wait_for_selector("html[lang=th]")
    assert "ทำคลิปธนาคารขยะต้นแบบ" in page.locator("h1").inner_text()
    # the shipped Thai font is used (loaded from the package, no network)
    assert page.evaluate("document.fonts.check('16px Loma', 'ทดสอบ')")
    shot(page, "00-page-th")
    page.get_by_test_id("nav-report").click()
    page.wait_for_url("**/report")
    page.get_by_test_id("lang-en").click()
    page.wait_for_selector("html[lang=en]")


def test_address_without_token_is_refused(page, server):
    response = page.goto(server.url.split("?")[0])
    assert response is not None and response.status == 403
