"""The receipt the officer sees after a render (issue 23, finding 7): plain lines, and the
technical values (codec, pixel format, colour tags, exact seconds) only in the closed
"Details" fold. A real tiny clip rendered through the page in Debian's Chromium."""

from __future__ import annotations

import re

import pytest

from conftest import make_clip
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

CODEC_WORDS = ("h264", "yuv420p", "BT.709", "LUFS", "fps", "aac")


@pytest.fixture(autouse=True)
def _english_again():
    from overlay import i18n

    yield
    i18n.set_language("en")


@pytest.fixture
def server(tmp_path, official_logos):
    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path))
    yield running
    running.stop()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 768},
                                      bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(server.url)
        page.get_by_test_id("lang-th").click()
        page.wait_for_selector("html[lang=th]")
        yield page
        browser.close()


def test_receipt_visible_text_is_plain_and_details_hold_the_values(page, media):
    clip = make_clip(media / "receipt-words.mp4", seconds=3)
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    page.get_by_test_id("district-filter").fill("Phic")
    page.get_by_test_id("district-select").select_option("พิชัย")
    page.wait_for_function("!document.getElementById('render-button').disabled")
    page.get_by_test_id("render-button").click()
    page.wait_for_function("document.querySelector('#receipt li')", timeout=40_000)

    receipt = page.get_by_test_id("receipt")
    assert receipt.locator("li.bad").count() == 0
    visible = receipt.inner_text()          # a closed <details> shows only its summary
    for word in CODEC_WORDS:
        assert word not in visible, (word, visible)
    assert not re.search(r"\d+\.\d+\s*s\b", visible), visible
    assert "ภาพและเสียงพร้อมอัปโหลด YouTube" in visible
    assert "ความยาว 3 วินาที" in visible
    assert "โลโก้ครบ 7 ที่มุมขวาบน" in visible

    details = page.get_by_test_id("receipt-details")
    assert details.evaluate("d => d.open") is False
    assert "รายละเอียด" in visible
    details.locator("summary").click()
    opened = details.inner_text()
    assert "h264" in opened and "yuv420p" in opened and "BT.709" in opened


@pytest.fixture
def page_with_placeholders(tmp_path):
    """The page of an office that has not added its official logos yet (shipped placeholders)."""
    from playwright.sync_api import sync_playwright

    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 768},
                                      bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(running.url)
        page.get_by_test_id("lang-th").click()
        page.wait_for_selector("html[lang=th]")
        yield page
        browser.close()
    running.stop()


def test_stand_in_logos_are_named_in_thai_and_the_page_s_buttons(page_with_placeholders, media):
    page = page_with_placeholders
    keys = re.compile(r"\b(moi|dla|volunteers|sdg|lao)\b")
    clip = make_clip(media / "receipt-holders.mp4", seconds=3)
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    page.get_by_test_id("district-filter").fill("Phic")
    page.get_by_test_id("district-select").select_option("พิชัย")
    page.wait_for_function("document.getElementById('logo-status') && "
                           "document.getElementById('logo-status').textContent.includes('กระทรวงมหาดไทย')")
    assert not keys.search(page.get_by_test_id("logo-status").inner_text())
    page.wait_for_function("!document.getElementById('render-button').disabled")
    page.get_by_test_id("render-button").click()
    page.wait_for_function("document.querySelector('#receipt li')", timeout=120_000)
    warnings = page.get_by_test_id("render-warnings").inner_text()
    assert "กระทรวงมหาดไทย" in warnings, warnings
    visible = page.get_by_test_id("receipt").inner_text()
    for text in (warnings, visible):
        assert not keys.search(text), text
        assert "overlay " not in text and "--" not in text, text
    assert "ยังส่งไม่ได้" in visible and "นำเข้าชุดโลโก้" in visible, visible
