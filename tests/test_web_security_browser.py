"""Issue 21, finding 1 in a real Chromium: the page works under its own Content-Security-Policy
(no bypass), and a page served on another port of 127.0.0.1, in the same browser that holds
the page's cookie, cannot change a logo or a report draft.
"""

from __future__ import annotations

import http.server
import io
import json
import threading
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from PIL import Image

from conftest import make_clip
from web_support import CHROMIUM_ARGS, TOKEN, chromium_path, web_settings

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
if chromium_path() is None:
    pytest.skip("no Chromium on this machine (CI installs Debian's chromium)", allow_module_level=True)

from overlay import i18n, logolib

PROVINCE, DISTRICT = "อุตรดิตถ์", "พิชัย"
PLACE = {"province": PROVINCE, "district": DISTRICT}
DATA = Path(__file__).parent / "data" / "report"
API = f"/api/report/{quote(PROVINCE)}/{quote(DISTRICT)}"
# Every CSP violation, wherever it happens (also inside the audit report's frame), is logged.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) => {
    console.error("CSP-VIOLATION " + e.violatedDirective + " " + e.blockedURI); }, true);"""


@pytest.fixture(autouse=True)
def _english_again():
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
def settings(tmp_path):
    from dataclasses import replace

    sent = tmp_path / "sent"
    sent.mkdir()
    return replace(web_settings(tmp_path), audit_dir=sent)


@pytest.fixture
def server(settings):
    from overlay.web.server import start_in_thread

    running = start_in_thread(settings)
    yield running
    running.stop()


def png_file(path: Path, colour=(20, 60, 200)) -> Path:
    Image.new("RGBA", (200, 200), (*colour, 255)).save(path)
    return path


def base(server) -> str:
    return server.url.split("?", 1)[0].rstrip("/")


def api(server, method: str, path: str, body: bytes | None = None) -> dict:
    """A script's request: the token header, no Origin (as curl or a scheduled job sends it)."""
    request = urllib.request.Request(base(server) + path, data=body, method=method,
                                     headers={"X-Overlay-Token": TOKEN})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_every_page_works_under_its_own_policy(browser, server, settings, tmp_path):
    """No bypass_csp: the job page (with its logo slots), the report form and the audit page
    load, their buttons work, and the browser reports no violation of the policy."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if (
        "CSP-VIOLATION" in m.text or "Content Security Policy" in m.text) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        response = page.goto(server.url)
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        # The job page: a clip uploaded (a POST from the page), the logo slots of the district.
        clip = make_clip(tmp_path / "clip.mp4", seconds=1)
        page.get_by_test_id("clip-input").set_input_files(str(clip))
        page.get_by_test_id("clip-facts").wait_for()
        page.get_by_test_id("district-select").select_option(DISTRICT)
        slot = page.get_by_test_id("logo-slot-moi")
        slot.wait_for()
        expect(slot).to_have_attribute("data-placeholder", "1")
        page.get_by_test_id("logo-input-moi").set_input_files(str(png_file(tmp_path / "moi.png")))
        expect(slot).to_have_attribute("data-placeholder", "0")          # stored: the POST went
        # The language switch (a link) comes back to the page it was chosen on.
        page.goto(f"{base(server)}/report/{quote(PROVINCE)}/{quote(DISTRICT)}")
        page.get_by_test_id("lang-th").click()
        page.wait_for_url(f"**/report/{quote(PROVINCE)}/**")
        expect(page.locator("html")).to_have_attribute("lang", "th")
        # The report form: an answer typed and saved (a PUT from the page's script).
        page.get_by_test_id("report-villages").fill("12")
        page.get_by_test_id("report-save").click()
        expect(page.get_by_test_id("report-saved")).to_have_text("บันทึกแล้ว")
        assert api(server, "GET", API)["answers"]["part1"]["villages"] == "12"
        # The audit page: the form posts, and its report (with its own <style>) is drawn.
        make_clip(settings.audit_dir / "clip.mp4", seconds=1)
        page.get_by_test_id("nav-audit").click()
        page.get_by_test_id("audit-run").click()
        page.get_by_test_id("audit-report").wait_for()
        frame = page.frame_locator("[data-testid=audit-report]")
        table = frame.locator("table").first
        table.wait_for()
        assert table.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
        assert page.get_by_test_id("audit-report").evaluate("f => f.getBoundingClientRect().height") > 200
        page.wait_for_timeout(300)                       # late reports of a violation land
    finally:
        context.close()
    assert problems == []


ATTACK = """<!doctype html><html><head><title>printer panel</title></head><body>
<iframe name="sink"></iframe>
<form id="audit" method="post" action="{base}/audit" target="sink">
  <input name="province" value="{province}"></form>
<script>
(async () => {{
  const form = new FormData();
  form.append("file", new Blob([Uint8Array.from(atob("{png}"), c => c.charCodeAt(0))],
                               {{type: "image/png"}}), "moi.png");
  const tries = [
    fetch("{base}/api/logos/moi?{place}", {{method: "POST", mode: "no-cors",
                                            credentials: "include", body: form}}),
    fetch("{base}{api}/import", {{method: "POST", mode: "no-cors", credentials: "include",
                                 headers: {{"Content-Type": "text/plain"}}, body: {toml}}}),
  ];
  for (const t of tries) {{ try {{ await t; }} catch (e) {{}} }}
  document.getElementById("audit").submit();
  document.querySelector("iframe").addEventListener("load", () => {{ document.title = "done"; }});
}})();
</script></body></html>"""


@pytest.fixture
def other_page(server):
    """Another local program's page: a plain http.server on another port of 127.0.0.1."""
    import base64

    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (0, 200, 0, 255)).save(buffer, "PNG")
    hostile = (DATA / "phichai.toml").read_text(encoding="utf-8").replace(
        'members = "1,250"', 'members = "7"')
    html = ATTACK.format(base=base(server), province=PROVINCE, api=API, place=urlencode(PLACE),
                         png=base64.b64encode(buffer.getvalue()).decode(),
                         toml=json.dumps(hostile)).encode("utf-8")

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_on_another_local_port_cannot_change_a_logo_or_a_draft(browser, server, settings,
                                                                     official_logos, other_page):
    from playwright.sync_api import expect

    target = logolib.target(None, PROVINCE, DISTRICT)
    moi = next(ref for ref in logolib.slots(target) if ref.key == "moi").path
    logo_before = Path(moi).read_bytes()
    draft_before = api(server, "POST", f"{API}/import",
                       (DATA / "phichai.toml").read_bytes())["answers"]
    assert draft_before["part1"]["members"] == "1,250"

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server.url)                                    # the office's tab: the cookie
        assert any(c["name"] == server.settings.cookie_name() for c in context.cookies())
        seen: list[tuple[str, int]] = []
        attacker = context.new_page()
        attacker.on("response", lambda r: seen.append((r.request.method + " " + r.url, r.status))
                    if r.url.startswith(base(server)) else None)
        attacker.goto(other_page)
        expect(attacker).to_have_title("done")
        attacker.wait_for_timeout(300)
        # The three forged requests reached the server, with the cookie, and were refused.
        posts = [(what, status) for what, status in seen if what.startswith("POST ")]
        assert {what.split("?")[0].rsplit("/", 1)[-1] for what, _s in posts} >= {"moi", "import", "audit"}, seen
        assert all(status == 403 for _w, status in posts), posts
        # The office's own tab still works.
        assert page.get_by_test_id("clip-input").count() == 1
    finally:
        context.close()
    assert Path(moi).read_bytes() == logo_before
    assert api(server, "GET", API)["answers"] == draft_before
    assert not list(Path(settings.output_dir).glob("audit-*"))
