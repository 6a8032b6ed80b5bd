"""Issue 21, finding 7 (resources and words): free space before an upload and a render, a cap
on the queue, a stalled upload, and every error in the page's words (no command-line option)."""

from __future__ import annotations

import re
import socket
import time

import pytest

from overlay.web.jobs import JobManager

from web_support import TOKEN, client, web_settings

THAI = re.compile(r"[\u0e00-\u0e7f]")


@pytest.fixture
def settings(tmp_path, official_logos):
    return web_settings(tmp_path)


@pytest.fixture
def web(settings):
    with client(settings) as c:
        yield c


def send(c, data: bytes, kind="clip", name="clip.mp4", **kw):
    return c.post("/api/uploads", params={"kind": kind, "name": name}, content=data, **kw)


def one_line(response, lang="en"):
    error = response.json()["error"]
    assert error and "\n" not in error and "--" not in error and "shown above" not in error, error
    if lang == "th":
        assert THAI.search(error), error
    return error


def full_disk(monkeypatch, free=10 << 20):
    from overlay.web import limits

    monkeypatch.setattr(limits, "free_bytes", lambda path: free)


def test_full_disk_refuses_an_upload_with_507(web, settings, clip3, monkeypatch):
    full_disk(monkeypatch)
    r = send(web, clip3.read_bytes())
    assert r.status_code == 507
    assert "disk" in one_line(r)
    th = send(web, clip3.read_bytes(), headers={"Accept-Language": "th"})
    assert th.status_code == 507 and one_line(th, "th") != one_line(r)
    assert not any((settings.work_dir / "uploads").rglob("*.*"))     # nothing kept

    # Without a Content-Length (streamed in chunks) the check happens while it streams.
    def chunks():
        yield clip3.read_bytes()

    streamed = web.post("/api/uploads", params={"kind": "clip", "name": "c.mp4"}, content=chunks())
    assert streamed.status_code == 507 and "disk" in one_line(streamed)
    assert web.get("/api/jobs").status_code == 200


def test_full_disk_refuses_a_render_with_507_and_the_history_still_shows(web, settings, clip3,
                                                                         monkeypatch):
    clip = send(web, clip3.read_bytes()).json()
    full_disk(monkeypatch)
    r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"})
    assert r.status_code == 507 and "disk" in one_line(r)
    listed = web.get("/api/jobs")
    assert listed.status_code == 200 and listed.json()["jobs"] == []
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())


def test_free_bytes_is_the_disks(tmp_path):
    from overlay.web import limits

    assert limits.free_bytes(tmp_path / "not" / "yet") > 0


def test_the_queue_has_a_cap(tmp_path, official_logos, clip3, monkeypatch):
    monkeypatch.setattr(JobManager, "_ensure_worker", lambda self: None)    # nothing leaves the queue
    settings = web_settings(tmp_path, max_queued=2)
    with client(settings) as c:
        clip = send(c, clip3.read_bytes()).json()
        for district in ("พิชัย", "ตรอน"):
            assert c.post("/api/jobs", json={"input": clip["id"], "district": district}).status_code == 201
        r = c.post("/api/jobs", json={"input": clip["id"], "district": "ลับแล"})
        assert r.status_code == 429 and "waiting" in one_line(r)
        th = c.post("/api/jobs", json={"input": clip["id"], "district": "ลับแล"},
                    headers={"Accept-Language": "th"})
        assert th.status_code == 429 and one_line(th, "th")


def test_a_stalled_upload_is_408(tmp_path):
    from overlay.web.server import start_in_thread

    running = start_in_thread(web_settings(tmp_path, upload_idle=1.0))
    try:
        port = running.settings.port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall((f"POST /api/uploads?kind=clip&name=a.mp4 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          f"X-Overlay-Token: {TOKEN}\r\nContent-Length: 100000\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * 100)
            began = time.time()
            sock.settimeout(10)
            reply = b""
            while b"\r\n\r\n" not in reply:
                got = sock.recv(4096)
                if not got:
                    break
                reply += got
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        assert time.time() - began < 8
        assert not any((tmp_path / "work" / "uploads").rglob("*"))
    finally:
        running.stop()


# ---------------------------------------------------------------- the page's words

@pytest.mark.parametrize("lang", ["en", "th"])
def test_errors_speak_of_the_page(tmp_path, official_logos, clip3, lang):
    settings = web_settings(tmp_path, max_upload=1 << 10)
    headers = {"Accept-Language": lang}
    with client(settings) as c:
        too_big = send(c, clip3.read_bytes(), headers=headers)
        assert too_big.status_code == 413
        one_line(too_big, lang)
        subs = send(c, b"1\n" * (9 << 20), kind="subs", name="a.srt", headers=headers)
        assert subs.status_code == 413
        one_line(subs, lang)
    settings = web_settings(tmp_path)
    with client(settings) as c:
        clip = send(c, clip3.read_bytes()).json()
        fields = {"input": clip["id"], "district": "พิชัย"}
        late = c.post("/api/jobs", json={**fields, "start": "50"}, headers=headers)
        assert late.status_code == 400
        one_line(late, lang)
        backwards = c.post("/api/jobs", json={**fields, "start": "2", "end": "1"}, headers=headers)
        assert backwards.status_code == 400
        one_line(backwards, lang)
        first = c.post("/api/jobs", json=fields)
        assert first.status_code == 201
        deadline = time.time() + 120
        while not c.get(f"/api/jobs/{first.json()['id']}").json()["final"] and time.time() < deadline:
            time.sleep(0.1)
        exists = c.post("/api/jobs", json=fields, headers=headers)
        assert exists.status_code == 409
        words = one_line(exists, lang)
        assert "force" not in words


def test_a_database_that_cannot_write_still_lists_the_jobs(web, monkeypatch):
    """A full disk: SQLite refuses every write (BEGIN IMMEDIATE); reading the history takes none."""
    import sqlite3
    from contextlib import contextmanager

    from overlay.web import db

    @contextmanager
    def full(path=None):
        raise sqlite3.OperationalError("database or disk is full")
        yield

    monkeypatch.setattr(db, "transaction", full)
    listed = web.get("/api/jobs")
    assert listed.status_code == 200 and listed.json()["jobs"] == []


def test_a_disk_that_fills_while_the_job_waits_fails_it_in_words(web, settings, clip3, monkeypatch):
    from overlay.web import limits

    clip = send(web, clip3.read_bytes()).json()
    answers = iter([1 << 40])                       # room at submit, none when its turn comes
    monkeypatch.setattr(limits, "free_bytes", lambda path: next(answers, 10 << 20))
    job = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"})
    assert job.status_code == 201
    deadline = time.time() + 60
    while not (got := web.get(f"/api/jobs/{job.json()['id']}").json())["final"] and time.time() < deadline:
        time.sleep(0.1)
    assert got["status"] == "failed" and "disk" in got["error"] and "--" not in got["error"]
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())


def test_the_plans_warnings_speak_of_the_page(tmp_path, clip3, monkeypatch):
    monkeypatch.setattr(JobManager, "_ensure_worker", lambda self: None)    # only the plan matters
    with client(web_settings(tmp_path)) as c:          # no official logos: placeholders
        clip = send(c, clip3.read_bytes()).json()
        for lang in ("en", "th"):
            job = c.post("/api/jobs", json={"input": clip["id"], "district": "ตรอน" if lang == "en" else "พิชัย"},
                         headers={"Accept-Language": lang}).json()
            assert len(job["warnings"]) >= 2, job["warnings"]
            for line in job["warnings"]:
                assert "--" not in line and "'overlay" not in line, line
