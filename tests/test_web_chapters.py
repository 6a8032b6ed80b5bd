"""Chapter marks (issue 23, finding 6): refused at the trim step where they are made (under
10 s apart, out of the letter's order, too near the end of the part kept), said with the
topic's title, never an internal name like chapters.welfare; the report's "make the
documents" button, blocked by the chapters only, says why and shows the list."""

from __future__ import annotations

import time

import pytest
from web_report_support import API, PAGE, sample

from overlay.report.model import CHAPTER_TITLES, MIN_CHAPTER_SECONDS, chapter_name, chapters_from

from conftest import make_clip
from web_support import CHROMIUM_ARGS, chromium_path, client, web_settings


def test_the_rule_is_the_report_s_and_the_page_s_words_name_the_topic():
    _chapters, problems = chapters_from({"setup": 0, "welfare": 5}, chapter_name)
    assert any(CHAPTER_TITLES["welfare"] in p and CHAPTER_TITLES["setup"] in p for p in problems)
    assert not any("chapters." in p for p in problems)
    # the data file's words are unchanged for the command line
    assert any("chapters.welfare" in p for p in chapters_from({"setup": 0, "welfare": 5})[1])


def test_the_last_chapter_is_checked_against_the_clip_s_end():
    marks = {"setup": 0, "welfare": 12, "benefits": 33}
    _c, problems = chapters_from(marks, chapter_name, length=40.0)
    assert any(CHAPTER_TITLES["benefits"] in p and "0:40" in p for p in problems), problems
    assert chapters_from({"setup": 0, "welfare": 12, "benefits": 25}, chapter_name, 40.0)[1] == []


def test_the_api_warns_in_titles_and_checks_the_end(tmp_path, media, official_logos):
    clip = make_clip(media / "chapters-end.mp4", seconds=40, size="160x90")
    with client(web_settings(tmp_path)) as c:
        upload = c.post("/api/uploads", params={"kind": "clip", "name": "c.mp4"},
                        content=clip.read_bytes()).json()
        place = {"input": upload["id"], "district": "พิชัย", "province": "อุตรดิตถ์"}
        r = c.post("/api/jobs", json={**place, "chapters": {"setup": "1:75"}})
        assert r.status_code == 400 and CHAPTER_TITLES["setup"] in r.json()["error"]
        assert "chapters." not in r.json()["error"]
        job = c.post("/api/jobs", json={**place, "chapters": {"setup": 0, "welfare": 12,
                                                               "benefits": 35}}).json()
        c.post(f"/api/jobs/{job['id']}/cancel")
        warnings = job["warnings"]
        assert any(CHAPTER_TITLES["benefits"] in w and "0:40" in w for w in warnings), warnings
        assert not any("chapters." in w for w in warnings), warnings
        deadline = time.time() + 30
        while not c.get(f"/api/jobs/{job['id']}").json()["final"] and time.time() < deadline:
            time.sleep(0.1)


# ---------------------------------------------------------------- in the browser

needs_browser = pytest.mark.skipif(chromium_path() is None, reason="no Chromium on this machine")


@pytest.fixture
def server(tmp_path, official_logos):
    pytest.importorskip("playwright.sync_api")
    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path))
    yield running
    running.stop()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    from overlay import i18n

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 768},
                                      bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(server.url)
        page.get_by_test_id("lang-th").click()
        page.wait_for_selector("html[lang=th]")
        yield page
        browser.close()
    i18n.set_language("en")


def seek(page, seconds: float) -> None:
    page.evaluate("""t => new Promise(done => {
        const v = document.getElementById('player');
        v.addEventListener('seeked', () => done(), {once: true});
        v.currentTime = t; })""", seconds)


def mark(page, key: str, at: float) -> None:
    seek(page, at)
    page.get_by_test_id(f"chapter-{key}-button").click()
    page.wait_for_timeout(150)        # the check is a module loaded on the first mark


@needs_browser
def test_marks_too_close_or_too_late_are_refused_at_the_trim_step(page, media):
    clip = make_clip(media / "chapters-trim.mp4", seconds=30, size="320x180")
    page.get_by_test_id("clip-input").set_input_files(str(clip))
    page.get_by_test_id("clip-facts").wait_for()
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    problem = page.get_by_test_id("chapter-problem")

    mark(page, "setup", 0.0)
    assert page.get_by_test_id("chapter-setup-time").inner_text() == "0:00"
    assert problem.is_hidden()

    mark(page, "welfare", 5.0)                          # 5 s after the first: refused
    assert page.get_by_test_id("chapter-welfare-time").inner_text() == ""
    text = problem.inner_text()
    assert CHAPTER_TITLES["welfare"] in text and CHAPTER_TITLES["setup"] in text
    assert str(MIN_CHAPTER_SECONDS) in text and "chapters." not in text

    mark(page, "welfare", 12.0)                         # 12 s: kept, the reason goes
    assert page.get_by_test_id("chapter-welfare-time").inner_text() == "0:12"
    assert problem.is_hidden()

    mark(page, "benefits", 25.0)                        # 5 s before the end of a 30 s clip
    assert page.get_by_test_id("chapter-benefits-time").inner_text() == ""
    assert CHAPTER_TITLES["benefits"] in problem.inner_text() and "0:30" in problem.inner_text()

    mark(page, "sustainability", 11.0)                  # before topic 2.2: out of the letter's order
    assert page.get_by_test_id("chapter-sustainability-time").inner_text() == ""
    assert CHAPTER_TITLES["welfare"] in problem.inner_text()


@needs_browser
def test_make_documents_blocked_by_chapters_says_why(page, server):
    answers = sample()
    answers["chapters"] = {"setup": "0:00", "welfare": "0:05", "benefits": "0:30"}
    page.goto(server.url.split("?")[0].rstrip("/") + PAGE)     # the token is a cookie by now
    page.wait_for_selector("[data-testid=report-make]")
    status = page.evaluate("""([api, answers]) => fetch(api, {method: 'PUT',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({answers})})
        .then(r => r.status)""", [API, answers])
    assert status == 200
    page.reload()
    page.wait_for_selector("[data-testid=report-make]")
    page.get_by_test_id("report-make").click()
    problems = page.get_by_test_id("report-chapter-problems")
    problems.wait_for(state="visible")
    assert CHAPTER_TITLES["welfare"] in problems.inner_text()
    assert "chapters." not in problems.inner_text()
    page.wait_for_function("document.getElementById('report-saved').textContent.includes('บท')")
    assert "YouTube" in page.locator("#report-saved").inner_text()
    box = problems.bounding_box()
    assert box is not None and 0 <= box["y"] < 768                     # scrolled to
    focused = page.evaluate("document.activeElement.dataset.table")
    assert focused == "chapters"
    assert page.get_by_test_id("report-docx-link").is_hidden()
