"""The clip page's draft (issue 23, finding 2): kept per browser on the server, only the
page's own fields, never a path, bounded; the อปท. name typed is remembered per district."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from overlay.web.drafts import MAX_BYTES

from web_support import client, web_settings


@pytest.fixture
def settings(tmp_path):
    return web_settings(tmp_path)


def send_clip(c, path) -> dict:
    r = c.post("/api/uploads?kind=clip&name=clip.mp4", content=path.read_bytes())
    assert r.status_code == 201, r.text
    return r.json()


def test_a_draft_is_kept_and_comes_back_with_its_uploads(settings, clip3, tmp_path):
    srt = tmp_path / "th.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:02,000\nสวัสดีครับ\n\n", encoding="utf-8")
    with client(settings) as c:
        first = c.get("/api/draft")
        assert first.json()["draft"] is None
        assert "overlay_draft" in first.cookies                       # this browser's draft id
        clip = send_clip(c, clip3)
        subs = c.post("/api/uploads?kind=subs&name=th.srt", content=srt.read_bytes()).json()
        draft = {"clip": clip["id"], "start": "0.5", "end": "2.5",
                 "chapters": {"setup": 0.5, "welfare": 1.5},
                 "province": "อุตรดิตถ์", "district": "พิชัย",
                 "lao": "เทศบาลเมืองพิชัย", "lao_typed": True,
                 "subs": {"th": subs["id"]}, "subs_mode": "both",
                 "cues": {"en": [{"start": 0.5, "end": 1.7, "text": "Hello"},
                                 {"start": 2.0, "end": None, "text": "not ended yet"}]}}
        assert c.put("/api/draft", json=draft).status_code == 200
        back = c.get("/api/draft").json()
        assert back["draft"] == draft
        assert back["clip"]["id"] == clip["id"] and back["clip"]["info"]["duration"] > 2.9
        assert back["subs"]["th"]["name"] == "th.srt"
        assert back["lao_names"] == {"อุตรดิตถ์/พิชัย": "เทศบาลเมืองพิชัย"}
        assert back["saved"] > 0

        # POST is the same as PUT (what a closing page sends)
        assert c.post("/api/draft", json={**draft, "start": "1"}).status_code == 200
        assert c.get("/api/draft").json()["draft"]["start"] == "1"

    # Another browser has its own draft; the names typed per district are the office's.
    with client(settings) as other:
        seen = other.get("/api/draft").json()
        assert seen["draft"] is None
        assert seen["lao_names"] == {"อุตรดิตถ์/พิชัย": "เทศบาลเมืองพิชัย"}


def test_start_a_new_clip_forgets_the_draft_but_not_the_names(settings):
    with client(settings) as c:
        c.get("/api/draft")
        c.put("/api/draft", json={"province": "อุตรดิตถ์", "district": "ลับแล", "lao": "อบต.ทดสอบ",
                                  "lao_typed": True})
        assert c.delete("/api/draft").status_code == 200
        after = c.get("/api/draft").json()
        assert after["draft"] is None
        assert after["lao_names"] == {"อุตรดิตถ์/ลับแล": "อบต.ทดสอบ"}
        # A name the page filled in itself (not typed) is not remembered.
        c.put("/api/draft", json={"province": "อุตรดิตถ์", "district": "ตรอน", "lao": "x", "lao_typed": False})
        assert "อุตรดิตถ์/ตรอน" not in c.get("/api/draft").json()["lao_names"]


def test_a_draft_whose_clip_is_gone_comes_back_without_it(settings, clip3):
    with client(settings) as c:
        clip = send_clip(c, clip3)
        c.put("/api/draft", json={"clip": clip["id"], "subs": {"th": "0123456789abcdef"}})
        upload = c.app.state.store.get_upload(clip["id"])
        Path(upload.path).unlink()                     # gone (its age limit, a deleted job)
        back = c.get("/api/draft").json()
        assert back["draft"]["clip"] == clip["id"]
        assert back["clip"] is None and back["subs"] == {}


@pytest.mark.parametrize("body", [
    {"clip": "../../etc/passwd"},
    {"clip": "C:\\Users\\office\\clip.mp4"},
    {"subs": {"th": "/tmp/x.srt"}},
    {"subs": {"fr": "0123456789abcdef"}},
    {"output": "/etc/cron.d/x"},                       # not a field of the page
    {"path": "x"},
    {"input": "0123456789abcdef"},
    {"district": "../พิชัย"},
    {"province": "a\\b"},
    {"start": "../../1"},
    {"lao": "เทศบาล\x00"},
    {"chapters": {"nonsense": 1}},
    {"chapters": {"setup": -1}},
    {"chapters": {"setup": "1:00"}},
    {"subs_mode": "shell"},
    {"preset": "../../presets/x.toml"},
    {"cues": {"th": [{"start": 0, "end": 1, "text": "x", "style": "evil"}]}},
    {"cues": {"th": [{"start": float("inf"), "end": 1, "text": "x"}]}},
    {"cues": {"th": "not a list"}},
    ["not", "an", "object"],
])
def test_refused_fields_and_paths(settings, body):
    with client(settings) as c:
        c.put("/api/draft", json={"start": "2"})
        r = c.put("/api/draft", content=json.dumps(body, allow_nan=True),
                  headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert "draft" in r.json()["error"] and "Traceback" not in r.text
        assert c.get("/api/draft").json()["draft"] == {"start": "2"}     # the saved one is kept


def test_the_draft_has_a_size_limit(settings):
    with client(settings) as c:
        cues = [{"start": i, "end": i + 0.5, "text": "ก" * 900} for i in range(1000)]
        r = c.put("/api/draft", json={"cues": {"th": cues}})
        assert r.status_code == 413
        assert f"{MAX_BYTES >> 10} kB" in r.json()["error"]
        too_many = [{"start": i, "end": i + 0.5, "text": "x"} for i in range(2001)]
        assert c.put("/api/draft", json={"cues": {"th": too_many}}).status_code == 400
        broken = c.put("/api/draft", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 400
        assert c.get("/api/draft").json()["draft"] is None


def test_the_refusal_reads_in_thai_for_a_thai_browser(settings):
    with client(settings) as c:
        r = c.put("/api/draft", json={"clip": "../x"}, headers={"Accept-Language": "th-TH"})
        assert r.status_code == 400
        assert any(0x0E00 <= ord(ch) < 0x0E80 for ch in r.json()["error"])


def test_the_job_page_offers_the_draft_hooks_and_numbers_every_step(settings):
    import re

    with client(settings) as c:
        page = c.get("/", headers={"Accept-Language": "th-TH"}).text
    for hook in ("draft-status", "new-clip", "nav-job"):
        assert f'data-testid="{hook}"' in page
    assert '<script src="/static/draft.js" defer></script>' in page
    steps = re.findall(r'<h2><span class="num">(\d+)</span>\s*([^<]+)</h2>', page)
    assert [int(n) for n, _title in steps] == list(range(1, len(steps) + 1))
    assert any("โลโก้" in title for _n, title in steps), steps      # the logo step has its number


def test_deleting_a_history_job_keeps_the_clip_a_draft_still_uses(settings, clip3):
    """The History's delete removes a job's uploads, but not the clip the draft is working on."""
    with client(settings) as c:
        clip = send_clip(c, clip3)
        assert c.put("/api/draft", json={"clip": clip["id"], "district": "พิชัย"}).status_code == 200
        job = c.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"}).json()
        for _ in range(600):
            if c.get(f"/api/jobs/{job['id']}").json()["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert c.delete(f"/api/jobs/{job['id']}").status_code == 200
        back = c.get("/api/draft").json()
        assert back["clip"] and back["clip"]["id"] == clip["id"]

        # once the draft is gone (start a new clip), deleting a job removes its uploads again
        second = c.post("/api/jobs", json={"input": clip["id"], "district": "ลับแล"}).json()
        for _ in range(600):
            if c.get(f"/api/jobs/{second['id']}").json()["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert c.delete("/api/draft").status_code == 200
        assert c.delete(f"/api/jobs/{second['id']}").status_code == 200
        assert c.put("/api/draft", json={"clip": clip["id"]}).status_code == 200
        assert c.get("/api/draft").json()["clip"] is None
