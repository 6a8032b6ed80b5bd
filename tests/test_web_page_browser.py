"""The clip page as an officer uses it (issue 23, findings 2, 3, 4, 5, 8), in Debian's
Chromium on a 1366×768 laptop with a Thai browser: nothing chosen is lost when leaving the
page, Render follows an upload that ends after the district was chosen, the อปท. field's
stand-in is only a placeholder and the name typed is remembered, the page is Thai for a Thai
browser whatever the server's locale, and a second clip never plays the first one's picture.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import make_clip
from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

VIEWPORT = {"width": 1366, "height": 768}
THAI_SRT = "1\n00:00:00,500 --> 00:00:02,000\nธนาคารขยะต้นแบบของตำบลเรา\n\n"
UPLOAD_STATE = re.compile(r".*/api/uploads/[0-9a-f]{16}$")      # the page polls a proxy's state here


@pytest.fixture(autouse=True)
def _english_again():
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
def settings(tmp_path, official_logos):
    return web_settings(tmp_path)


@pytest.fixture
def server(settings):
    from overlay.web.server import start_in_thread

    running = start_in_thread(settings)
    yield running
    running.stop()


def new_page(browser, url: str, locale: str = "th-TH"):
    context = browser.new_context(locale=locale, viewport=VIEWPORT, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors
    page.goto(url)
    return page


@pytest.fixture
def page(browser, server):
    page = new_page(browser, server.url)
    yield page
    assert page.script_errors == []
    page.context.close()


def choose_district(page, search: str, value: str) -> None:
    page.get_by_test_id("district-filter").fill(search)
    page.get_by_test_id("district-select").select_option(value)
    page.wait_for_function(f"document.getElementById('file-name').textContent.includes({json.dumps(value)})")


def seek(page, seconds: float) -> None:
    page.evaluate("""t => new Promise(done => {
        const v = document.getElementById('player');
        v.pause();
        v.addEventListener('seeked', () => done(), {once: true});
        v.currentTime = t; })""", seconds)


def wait_saved(page) -> None:
    """Until the draft on the server holds what the page shows."""
    page.wait_for_function("!window.overlayDraft.pending() && "
                           "document.getElementById('draft-status').dataset.state === 'saved'")


def wait_player(page, duration: float) -> None:
    page.wait_for_function(f"Math.abs(document.getElementById('player').duration - {duration}) < 0.2 && "
                           "document.getElementById('player').readyState >= 1")


def send_clip(page, path: Path) -> None:
    page.get_by_test_id("clip-input").set_input_files(str(path))
    page.wait_for_function(f"document.getElementById('clip-facts').textContent.includes({json.dumps(path.name)})")


def accept_dialogs(page) -> list[str]:
    said: list[str] = []

    def accept(dialog):
        said.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return said


# ------------------------------------------------------------------ finding 5: the language

def test_a_thai_browser_gets_thai_on_every_page_under_lang_c(browser, settings, monkeypatch):
    from overlay import i18n
    from overlay.web.server import start_in_thread

    for name in ("OVERLAY_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    assert i18n.set_language(None) == "en"            # the server's own language is English
    running = start_in_thread(settings)
    try:
        page = new_page(browser, running.url)         # th-TH, no language chosen on the page
        page.wait_for_selector("html[lang=th]")
        assert "ทำคลิปธนาคารขยะต้นแบบ" in page.locator("h1").inner_text()
        assert "บันทึก" not in page.get_by_test_id("draft-status").inner_text()   # nothing chosen yet
        assert page.get_by_test_id("new-clip").inner_text() == "เริ่มคลิปใหม่"
        # every step numbered in order, the logos (between the place and the subtitles) too
        numbers = page.locator("section.step h2 .num").all_inner_texts()
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
        assert page.locator("#step-logos h2 .num").inner_text() == "4"
        assert page.locator("#step-subs h2 .num").inner_text() == "5"
        for nav, path in (("nav-report", "/report"), ("nav-audit", "/audit")):
            page.get_by_test_id(nav).click()
            page.wait_for_url(f"**{path}")
            assert page.locator("html").get_attribute("lang") == "th", path
            assert any(0x0E00 <= ord(ch) < 0x0E80 for ch in page.locator("h1").inner_text()), path
            assert page.get_by_test_id("nav-job").is_visible()
        page.get_by_test_id("nav-job").click()
        page.wait_for_selector("#step-clip")
        assert page.locator("html").get_attribute("lang") == "th"

        # The choice is this browser's (a cookie), for every page; not the server's.
        page.get_by_test_id("lang-en").click()
        page.wait_for_selector("html[lang=en]")
        again = page.context.new_page()
        again.goto(running.url.split("?")[0] + "report")
        assert again.locator("html").get_attribute("lang") == "en"
        other = new_page(browser, running.url)
        assert other.locator("html").get_attribute("lang") == "th"
        assert i18n.process_language() == "en"
        other.context.close()
        page.context.close()
    finally:
        running.stop()


# ------------------------------------------------------------------ finding 3: Render after the upload

def test_the_district_chosen_while_the_clip_is_sent_enables_render_when_it_arrives(page, media):
    clip = make_clip(media / "slow-upload.mp4", seconds=3, size="320x180")
    held = []
    page.route(re.compile(r".*/api/uploads\?kind=clip.*"), lambda route: held.append(route))
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.wait_for_function("!document.getElementById('upload-progress').hidden")
    choose_district(page, "พิชัย", "พิชัย")                 # while the clip is still on its way
    assert page.get_by_test_id("render-button").is_disabled()
    assert len(held) == 1
    held[0].continue_()
    page.get_by_test_id("clip-facts").wait_for()
    page.wait_for_function("!document.getElementById('render-button').disabled", timeout=10_000)
    page.unroute(re.compile(r".*/api/uploads\?kind=clip.*"))


def test_a_clip_chosen_while_the_draft_is_read_is_saved(browser, server, clip3):
    """On a slow PC the officer may drop the clip before the page has read its draft: that clip
    must still reach the server's draft (the page's own draft-status says so)."""
    context = browser.new_context(locale="th-TH", viewport=VIEWPORT, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    held = []
    page.route(re.compile(r".*/api/draft$"),
               lambda route: held.append(route) if route.request.method == "GET" else route.continue_())
    page.goto(server.url)
    page.wait_for_function("document.readyState === 'complete'")
    send_clip(page, clip3)                                   # the draft is still on its way
    assert len(held) == 1
    held[0].continue_()
    wait_saved(page)
    page.unroute(re.compile(r".*/api/draft$"))
    kept = page.evaluate("fetch('/api/draft').then(r => r.json())")
    assert kept["clip"] and kept["clip"]["name"] == clip3.name
    context.close()


# ------------------------------------------------------------------ finding 4: the อปท. field

def test_the_lao_stand_in_is_a_placeholder_and_the_name_typed_is_remembered(page, server, clip3):
    said = accept_dialogs(page)
    send_clip(page, clip3)
    choose_district(page, "พิชัย", "พิชัย")
    lao = page.get_by_test_id("lao-input")
    page.wait_for_function("document.getElementById('lao').placeholder !== ''")
    stand_in = lao.get_attribute("placeholder")
    assert "พิชัย" in stand_in                              # อปท. ต้นแบบอำเภอพิชัย, shown grey
    assert lao.input_value() == ""
    lao.click()
    page.keyboard.type("เทศบาลเมืองพิชัย")
    assert lao.input_value() == "เทศบาลเมืองพิชัย"         # not the stand-in with the name after it
    wait_saved(page)

    # The next clip of the same district: the name comes back; another district has its own.
    page.get_by_test_id("new-clip").click()
    page.wait_for_function("document.getElementById('clip-facts').hidden && "
                           "document.getElementById('district').value === ''")
    assert said and "ใหม่" in said[0]
    send_clip(page, clip3)
    choose_district(page, "ลับแล", "ลับแล")
    assert lao.input_value() == ""
    assert "ลับแล" in lao.get_attribute("placeholder")
    choose_district(page, "พิชัย", "พิชัย")
    page.wait_for_function("document.getElementById('lao').value === 'เทศบาลเมืองพิชัย'")
    # … and the render uses it
    page.wait_for_function("!document.getElementById('render-button').disabled")


# ------------------------------------------------------------------ finding 2: nothing lost

def page_state(page) -> dict:
    return page.evaluate("""() => ({
        facts: document.getElementById('clip-facts').hidden ? '' : document.getElementById('clip-facts').textContent,
        src: document.getElementById('player').currentSrc,
        start: document.getElementById('start').value,
        end: document.getElementById('end').value,
        setup: document.getElementById('chapter-setup-time').textContent,
        welfare: document.getElementById('chapter-welfare-time').textContent,
        province: document.getElementById('province').value,
        district: document.getElementById('district').value,
        lao: document.getElementById('lao').value,
        file: document.getElementById('file-name').textContent,
        subs: (document.querySelector('[data-testid=subs-report-th]') || {}).textContent || '',
        mode: document.querySelector('input[name=subs_mode]:checked').value,
        render: document.getElementById('render-button').disabled,
    })""")


def wait_restored(page) -> None:
    page.wait_for_function("document.getElementById('file-name').textContent !== '' && "
                           "document.querySelector('[data-testid=subs-report-th]') && "
                           "document.getElementById('player').readyState >= 1")


def test_report_page_reload_and_language_switch_lose_nothing(page, server, media, tmp_path):
    said = accept_dialogs(page)
    clip = make_clip(media / "งานวันสิ่งแวดล้อม.mp4", seconds=30, size="320x180")   # chapter marks are 10 s apart at least
    srt = tmp_path / "คำบรรยาย.srt"
    srt.write_text(THAI_SRT, encoding="utf-8")

    send_clip(page, clip)
    wait_player(page, 30.0)
    seek(page, 1.0)
    page.get_by_test_id("start-button").click()
    seek(page, 25.0)
    page.get_by_test_id("end-button").click()
    seek(page, 1.0)
    page.get_by_test_id("chapter-setup-button").click()
    seek(page, 12.0)
    page.get_by_test_id("chapter-welfare-button").click()
    choose_district(page, "ตรอน", "ตรอน")
    page.get_by_test_id("lao-input").fill("เทศบาลตำบลตรอน")
    page.get_by_test_id("subs-th-input").set_input_files(str(srt))
    page.get_by_test_id("subs-report-th").wait_for()
    page.locator("input[name=subs_mode][value=both]").check()
    cues = [{"start": 0.5, "end": 1.8, "text": "สวัสดีครับ"}, {"start": 2.0, "end": None, "text": "พิมพ์ต่อ"}]
    # lines typed in the subtitle editor (editor.js) replace the uploaded file's: kept too
    page.evaluate("cues => window.overlayEditor.loadCues('th', cues)", cues)
    page.evaluate("window.overlayEditor.flush()")
    wait_saved(page)
    assert "บันทึกร่างแล้ว" in page.get_by_test_id("draft-status").inner_text()
    chosen = page_state(page)
    assert chosen["start"] == "1.0" and chosen["end"] == "25.0"
    assert chosen["setup"] == "0:00" and chosen["welfare"] == "0:11"
    assert chosen["district"] == "ตรอน" and chosen["render"] is False

    # the report form, and back by the nav link
    page.get_by_test_id("nav-report").click()
    page.wait_for_url("**/report")
    page.get_by_test_id("nav-job").click()
    wait_restored(page)
    assert page_state(page) == chosen
    assert abs(page.evaluate("document.getElementById('player').duration") - 30.0) < 0.2
    assert page.evaluate("window.overlayEditor.getCues('th')") == cues
    assert "บันทึกร่างแล้ว" in page.get_by_test_id("draft-status").inner_text()

    # a reload (a closed tab opened again is the same)
    page.reload()
    wait_restored(page)
    assert page_state(page) == chosen

    # a language switch: the same choices, in English
    page.get_by_test_id("lang-en").click()
    page.wait_for_selector("html[lang=en]")
    wait_restored(page)
    english = page_state(page)
    assert {k: v for k, v in english.items() if k not in ("facts", "subs")} == \
        {k: v for k, v in chosen.items() if k not in ("facts", "subs")}
    assert clip.name in english["facts"] and "Length" in english["facts"]

    # a change made after coming back is kept too; a link followed at once waits for it
    seek(page, 20.0)
    page.get_by_test_id("end-button").click()
    page.get_by_test_id("nav-audit").click()
    page.wait_for_url("**/audit")
    page.get_by_test_id("nav-job").click()
    wait_restored(page)
    assert page.get_by_test_id("end-input").input_value() == "20.0"

    # start a new clip: asked first, then nothing of it is left
    page.get_by_test_id("new-clip").click()
    page.wait_for_function("document.getElementById('clip-facts').hidden && "
                           "document.getElementById('district').value === ''")
    assert said
    fresh = page_state(page)
    assert fresh["facts"] == "" and fresh["src"] == "" and fresh["start"] == "0" and fresh["end"] == ""
    assert fresh["setup"] == "" and fresh["subs"] == "" and fresh["lao"] == "" and fresh["render"] is True
    assert page.evaluate("fetch('/api/draft').then(r => r.json()).then(d => d.draft)") is None


def test_new_clip_asks_first(page, server, clip3):
    send_clip(page, clip3)
    wait_saved(page)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("new-clip").click()
    page.wait_for_timeout(300)
    assert clip3.name in page.get_by_test_id("clip-facts").inner_text()      # nothing cleared
    page.reload()
    page.wait_for_function(f"document.getElementById('clip-facts').textContent.includes({json.dumps(clip3.name)})")


# ------------------------------------------------------------------ finding 8: a stale player

def test_a_second_clip_never_shows_the_first_ones_picture_or_time(page, media):
    first = make_clip(media / "clip-a-4s.mp4", seconds=4, size="320x180")
    # a clip the browser cannot play as it is (4:2:2): the player waits for its copy
    second = make_clip(media / "clip-b-2s.mp4", seconds=2, size="180x320",
                       vcodec=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv422p"])
    send_clip(page, first)
    wait_player(page, 4.0)
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("document.getElementById('player').currentTime > 0.2")
    seek(page, 3.5)

    making = {"hold": True}

    def copy_state(route):
        if making["hold"]:
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"proxy": {"state": "making", "done": 0.5, "error": None}}))
        else:
            route.continue_()

    page.route(UPLOAD_STATE, copy_state)
    send_clip(page, second)
    page.get_by_test_id("proxy-status").wait_for()
    player = page.evaluate("""() => { const v = document.getElementById('player');
        return { src: v.getAttribute('src'), ready: v.readyState, noDuration: isNaN(v.duration),
                 paused: v.paused }; }""")
    assert player == {"src": None, "ready": 0, "noDuration": True, "paused": True}, player
    page.get_by_test_id("end-button").click()          # no time of the first clip is taken
    assert page.get_by_test_id("end-input").input_value() == ""
    page.get_by_test_id("chapter-setup-button").click()
    assert page.get_by_test_id("chapter-setup-time").inner_text() == ""
    assert "0:02.0" in page.get_by_test_id("kept-length").inner_text()

    making["hold"] = False                             # the player copy is ready
    wait_player(page, 2.0)
    assert "/player" in page.evaluate("document.getElementById('player').currentSrc")
    seek(page, 1.5)
    page.get_by_test_id("end-button").click()
    assert page.get_by_test_id("end-input").input_value() == "1.5"
    page.get_by_test_id("end-button").click()
    page.unroute(UPLOAD_STATE)
