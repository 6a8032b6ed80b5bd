"""The nav's History link lands on the history once its table is drawn (issue 23, finding 9):
the browser jumps to /#history before the rows arrive, when the page is still too short."""

from __future__ import annotations

import pytest

from overlay.web.jobstore import CANCELLED, JobRecord, JobStore, new_id

from web_support import CHROMIUM_ARGS, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)


@pytest.fixture
def server(tmp_path, official_logos):
    from overlay.web.server import start_in_thread

    settings = web_settings(tmp_path)
    store = JobStore(settings.db_path)
    for n in range(25):                      # a history long enough to need the rows
        store.add(JobRecord(new_id(), {"district": "พิชัย", "province": "อุตรดิตถ์",
                                       "names": {"input": f"clip{n}.mp4"}}, status=CANCELLED))
    running = start_in_thread(settings)
    yield running
    running.stop()


def test_history_link_lands_on_the_table(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="th-TH", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(server.url)                                    # the token becomes a cookie
        page.goto(server.url.split("?")[0].rstrip("/") + "/#history")
        page.locator("#history-rows tr[data-status=cancelled]").first.wait_for()
        page.wait_for_timeout(500)
        top = page.evaluate("document.getElementById('history').getBoundingClientRect().top")
        browser.close()
    assert abs(top) < 40, top
