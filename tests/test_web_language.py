"""Language per request: each browser reads the page, its errors and its receipts in its
own language; nothing a request does changes the process's language."""

from __future__ import annotations

import time

import pytest

from overlay import i18n
from overlay.web.i18n import accepted_language

from web_support import client, web_settings

THAI = range(0x0E00, 0x0E80)


def has_thai(text: str) -> bool:
    return any(ord(ch) in THAI for ch in text)


@pytest.fixture
def settings(tmp_path):
    return web_settings(tmp_path)


@pytest.mark.parametrize("header,expected", [
    ("th-TH,th;q=0.9,en-US;q=0.8,en;q=0.7", "th"),
    ("en-US,en;q=0.9,th;q=0.8", "en"),
    ("en;q=0.5,th;q=0.6", "th"),
    ("th;q=0.5,en;q=0.5", "th"),          # a tie: the browser's order
    ("fr-FR,fr;q=0.9", None),
    ("fr,th;q=0.3", "th"),
    ("th;q=0,en", "en"),
    ("", None), (None, None), ("*", None),
])
def test_accept_language_prefers_thai_only_when_the_browser_does(header, expected):
    assert accepted_language(header) == expected


def test_each_browser_keeps_its_language(settings):
    assert i18n.process_language() == "en"
    with client(settings) as thai, client(settings) as english:
        r = thai.get("/lang/th", follow_redirects=False)
        assert r.status_code == 303
        assert 'lang="th"' in thai.get("/").text
        # The Thai choice is that browser's: another one still gets the server's default.
        assert 'lang="en"' in english.get("/").text
        assert i18n.process_language() == "en"
        # Without a choice, the browser's Accept-Language decides; a cookie beats it.
        assert 'lang="th"' in english.get("/", headers={"Accept-Language": "th,en;q=0.5"}).text
        english.cookies.set("overlay_lang", "en")
        assert 'lang="en"' in english.get("/", headers={"Accept-Language": "th,en;q=0.5"}).text
        # JSON errors speak the request's language too.
        en_error = english.post("/api/jobs", json={"input": "x", "nonsense": 1}).json()["error"]
        th_error = thai.post("/api/jobs", json={"input": "x", "nonsense": 1}).json()["error"]
        assert not has_thai(en_error) and has_thai(th_error)
    assert i18n.process_language() == "en"


def test_a_receipt_reads_in_the_language_of_whoever_looks(settings, clip3, official_logos):
    with client(settings) as thai, client(settings) as english:
        thai.cookies.set("overlay_lang", "th")
        clip = thai.post("/api/uploads", params={"kind": "clip", "name": "clip.mp4"},
                         content=clip3.read_bytes()).json()
        r = thai.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย",
                                         "province": "อุตรดิตถ์", "lao": "เทศบาลทดสอบ"})
        assert r.status_code == 201, r.text
        deadline = time.time() + 120
        while not (job := thai.get(f"/api/jobs/{r.json()['id']}").json())["final"]:
            assert time.time() < deadline
            time.sleep(0.1)
        assert job["status"] == "done", job
        seen_th = job["receipt"]
        seen_en = english.get(f"/api/jobs/{job['id']}").json()["receipt"]
    assert [i["key"] for i in seen_th] == [i["key"] for i in seen_en]
    assert "fast_start" in [i["key"] for i in seen_en]
    assert [i["status"] for i in seen_th] == [i["status"] for i in seen_en]
    fast_th = next(i for i in seen_th if i["key"] == "fast_start")
    fast_en = next(i for i in seen_en if i["key"] == "fast_start")
    assert fast_en["name"] == "fast start" and has_thai(fast_th["name"])
    stored = settings.db_path.read_bytes()
    assert "index at the front".encode() in stored       # stored as the message, not its Thai
