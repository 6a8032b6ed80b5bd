"""The JSON API in-process: the whole journey, every refusal, queue, cancel, restart."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from overlay.probe import probe
from overlay.web.jobstore import RUNNING, JobRecord, JobStore, new_id
from overlay.web.uploads import safe_name

from conftest import make_clip
from web_support import client, web_settings

THAI_SRT = ("1\n00:00:00,500 --> 00:00:02,000\nธนาคารขยะของหมู่บ้านเรา\n\n"
            "2\n00:00:02,000 --> 00:00:02,900\n<b>ขอบคุณครับ</b>\n\n")


@pytest.fixture
def settings(tmp_path, official_logos):
    return web_settings(tmp_path)


@pytest.fixture
def web(settings):
    with client(settings) as c:
        yield c


def send(c, path: Path | bytes, kind="clip", name=None):
    data = path if isinstance(path, bytes) else path.read_bytes()
    return c.post("/api/uploads", params={"kind": kind, "name": name or "clip.mp4"}, content=data)


def wait_final(c, job_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["final"]:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def work_files(settings) -> list[Path]:
    return sorted(p for p in settings.work_dir.rglob("*") if p.is_file())


def test_whole_journey(web, settings, clip3, tmp_path):
    r = send(web, clip3, name="คลิปของเรา.mp4")
    assert r.status_code == 201, r.text
    clip = r.json()
    assert clip["name"] == "คลิปของเรา.mp4"
    info = clip["info"]
    assert info["orientation"] == "landscape" and info["sound"] and info["playable"]
    assert abs(info["duration"] - 3.0) < 0.1 and info["width"] == 320

    subs = send(web, THAI_SRT.encode("utf-8"), kind="subs", name="th.srt").json()
    report = web.get(f"/api/uploads/{subs['id']}/subs-check", params={"clip": clip["id"]}).json()
    assert report["cues_read"] == 2 and report["encoding"].startswith("utf-8")
    assert report["breaks"] and "ธนาคาร" in report["breaks"][0]["shown"]

    places = web.get("/api/places").json()
    assert places["provinces"][0]["th"] == "อุตรดิตถ์" and places["provinces"][0]["districts"][0]["preset"]
    name = web.get("/api/name", params={"district": "Phichai", "province": "อุตรดิตถ์"}).json()
    assert name["file_name"] == "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"

    fields = {"input": clip["id"], "district": "พิชัย", "province": "อุตรดิตถ์", "lao": "เทศบาล <ทดสอบ>",
              "subs_th": subs["id"], "start": "0.5", "end": "2.5"}
    png = web.get("/api/preview", params={**fields, "at": "1.0"})
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"

    r = web.post("/api/jobs", json=fields)
    assert r.status_code == 201, r.text
    job = wait_final(web, r.json()["id"])
    assert job["status"] == "done", job
    assert all(item["ok"] is not False for item in job["receipt"])
    out = Path(job["output"])
    assert out.parent == settings.output_dir and out.name == name["file_name"]
    assert abs(probe(out).duration - 2.0) < 0.1
    got = web.get(job["download"])
    assert got.status_code == 200 and got.content == out.read_bytes()
    assert "filename*=utf-8''" in got.headers["content-disposition"]

    # The same output again without force: 409, with the CLI's words
    r = web.post("/api/jobs", json=fields)
    assert r.status_code == 409 and "already exists" in r.json()["error"]
    again = web.post(f"/api/jobs/{job['id']}/again", json={"force": True})
    assert again.status_code == 201
    assert wait_final(web, again.json()["id"])["status"] == "done"

    history = web.get("/api/jobs").json()["jobs"]
    assert [j["id"] for j in history][:2] == [again.json()["id"], job["id"]]
    assert history[1]["settings"]["names"]["input"] == "คลิปของเรา.mp4"


def test_events_stream_progress_and_end(web, clip3):
    clip = send(web, clip3).json()
    job = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"}).json()
    events = []
    with web.stream("GET", f"/api/jobs/{job['id']}/events") as stream:
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    assert events[-1][0] == "end" and events[-1][1]["status"] == "done"
    assert all(kind == "progress" for kind, _data in events[:-1])


def test_not_a_video_gets_the_cli_error(web, settings):
    r = send(web, b"this is a text file, not a video\n" * 10, name="clip.mp4")
    assert r.status_code == 400
    assert "not a video ffmpeg can read" in r.json()["error"]
    assert "clip.mp4" in r.json()["error"]
    assert work_files(settings) == []


def test_empty_upload(web, settings):
    r = send(web, b"")
    assert r.status_code == 400 and "empty" in r.json()["error"]
    assert work_files(settings) == []


def test_upload_size_limit(tmp_path, clip3):
    settings = web_settings(tmp_path, max_upload=1000)
    with client(settings) as c:
        r = send(c, clip3)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert work_files(settings) == []


@pytest.mark.parametrize("hostile", ["../../x.mp4", "..\\..\\evil.mp4", "CON", "con.mp4", "a" * 300 + ".mp4",
                                     "bad\x00\x07name\n.mp4", "/etc/passwd", ".hidden.mp4"])
def test_hostile_names_are_display_text_only(web, settings, clip3, hostile):
    r = send(web, clip3, name=hostile)
    assert r.status_code == 201, r.text
    stored = [p for p in work_files(settings) if p.suffix != ".png"]
    assert len(stored) == 1
    path = stored[0]
    assert path.parent.parent == settings.work_dir / "uploads"
    assert not path.name.startswith(".") and len(path.name) <= 90
    assert path.stem.lower() not in ("con", "prn", "aux", "nul")
    assert r.json()["name"] == "".join(ch for ch in hostile if ch >= " ")[:300]


def test_safe_name_table():
    assert safe_name("../../x.mp4") == "x.mp4"
    assert safe_name("CON") == "_CON"
    assert safe_name("nul.MP4") == "_nul.mp4"
    assert safe_name("คลิป: ดี?.mov") == "คลิป_ ดี_.mov"
    assert safe_name("...") == "clip"
    assert len(safe_name("ก" * 300 + ".mp4")) == 84


def test_bad_fields(web, clip3):
    clip = send(web, clip3).json()
    r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย", "output": "/etc/x"})
    assert r.status_code == 400 and "Unknown field" in r.json()["error"]
    r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิไช"})
    assert r.status_code == 400 and "Did you mean \"พิชัย\"" in r.json()["error"]
    r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย", "start": "abc"})
    assert r.status_code == 400 and "is not a time" in r.json()["error"]
    r = web.post("/api/jobs", json={"input": "nope", "district": "พิชัย"})
    assert r.status_code == 404
    r = web.post("/api/jobs", json={"district": "พิชัย"})
    assert r.status_code == 400 and "No input file" in r.json()["error"]


def test_not_found(web):
    assert web.get("/api/jobs/nope").status_code == 404
    assert web.get("/api/jobs/nope/file").status_code == 404
    assert web.post("/api/jobs/nope/cancel").status_code == 404
    assert web.get("/api/uploads/nope/original").status_code == 404
    assert "error" in web.get("/api/jobs/nope").json()


def test_queue_and_cancel(web, settings, media):
    long = make_clip(media / "long10.mp4", seconds=10, size="640x360")
    clip = send(web, long).json()
    first = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"}).json()
    second = web.post("/api/jobs", json={"input": clip["id"], "district": "ลับแล"}).json()
    third = web.post("/api/jobs", json={"input": clip["id"], "district": "ตรอน"}).json()
    deadline = time.time() + 30
    while web.get(f"/api/jobs/{first['id']}").json()["status"] != "running" and time.time() < deadline:
        time.sleep(0.05)
    listing = web.get("/api/jobs").json()
    assert listing["queue"] == [first["id"], second["id"], third["id"]]
    assert web.get(f"/api/jobs/{third['id']}").json()["position"] == 2

    # A waiting job is cancelled at once; the running one stops ffmpeg and leaves no file.
    assert web.post(f"/api/jobs/{second['id']}/cancel").json()["status"] == "cancelled"
    cancelled = web.post(f"/api/jobs/{first['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())
    assert web.post(f"/api/jobs/{first['id']}/cancel").status_code == 409
    assert wait_final(web, third["id"])["status"] == "done"
    outputs = [p.name for p in settings.output_dir.iterdir()]
    assert outputs == ["ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอตรอนจังหวัดอุตรดิตถ์.mp4"]


def test_stop_server_during_render_leaves_nothing(settings, media):
    # Long enough that the render is still running when the server stops (it is stopped at
    # its first progress, so the length costs only the clip's making).
    long = make_clip(media / "long40.mp4", seconds=40, size="640x360")
    with client(settings) as c:
        clip = send(c, long).json()
        job = c.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"}).json()
        deadline = time.time() + 30
        while c.get(f"/api/jobs/{job['id']}").json()["progress"]["done"] <= 0 and time.time() < deadline:
            time.sleep(0.05)
    # leaving the client runs the app's shutdown, as Ctrl-C does
    assert JobStore(settings.db_path).get(job["id"]).status == "stopped"
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())


def test_restart_shows_running_job_as_stopped(settings, clip3):
    store = JobStore(settings.db_path)
    job = store.add(JobRecord(new_id(), {"input": "x", "district": "พิชัย"}, status=RUNNING))
    with client(settings) as c:
        got = c.get(f"/api/jobs/{job.id}").json()
    assert got["status"] == "stopped" and not got["active"]


def test_delete_removes_uploads_and_rerun_needs_them(web, settings, clip3):
    clip = send(web, clip3).json()
    job = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย"}).json()
    job = wait_final(web, job["id"])
    assert web.delete(f"/api/jobs/{job['id']}").status_code == 200
    assert web.get(f"/api/uploads/{clip['id']}").status_code == 404
    assert not (settings.work_dir / "uploads" / clip["id"]).exists()
    assert Path(job["output"]).is_file()            # the finished clip is the user's: kept
    assert web.get(f"/api/jobs/{job['id']}").status_code == 404


def test_age_limit_cleans_work_folder(tmp_path, clip3):
    from overlay.web.uploads import clean_old

    settings = web_settings(tmp_path, keep_days=1)
    with client(settings) as c:
        clip = send(c, clip3).json()
        store = c.app.state.store
        assert clean_old(store, settings) == 0
        assert clean_old(store, settings, now=time.time() + 2 * 86400) == 1
        assert c.get(f"/api/uploads/{clip['id']}").status_code == 404
    assert work_files(settings) == []


def test_subtitle_text_is_escaped_on_the_page(web):
    page = web.get("/").text
    assert "<script>" not in page.split("<body", 1)[1].split('<script id="texts"', 1)[0]


def test_player_needs_a_proxy_for_what_browsers_cannot_play(media, clip3):
    from overlay.web.uploads import playable_in_browser

    assert playable_in_browser(probe(clip3))
    hevc = make_clip(media / "hevc10.mov", seconds=1, vcodec=[
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
        "-x265-params", "log-level=error"])
    assert not playable_in_browser(probe(hevc))
    ts = make_clip(media / "avchd.mts", seconds=1, extra_out=["-f", "mpegts"])
    assert not playable_in_browser(probe(ts))
    high10 = make_clip(media / "high10.mp4", seconds=1, vcodec=["-c:v", "libx264", "-preset", "ultrafast",
                                                                "-pix_fmt", "yuv420p10le"])
    assert not playable_in_browser(probe(high10))


def test_proxy_keeps_the_time_line(web, media):
    hevc = make_clip(media / "hevc-proxy.mov", seconds=3, vcodec=[
        "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
        "-x265-params", "log-level=error"])
    clip = send(web, hevc, name="IMG_0001.MOV").json()
    assert clip["info"]["playable"] is False and clip["proxy"] is not None
    deadline = time.time() + 60
    while web.get(f"/api/uploads/{clip['id']}").json()["proxy"]["state"] != "ready":
        assert time.time() < deadline
        time.sleep(0.1)
    player = web.get(f"/api/uploads/{clip['id']}/player")
    assert player.status_code == 200
    path = Path(web.app.state.settings.work_dir) / "p.mp4"
    path.write_bytes(player.content)
    info = probe(path)
    assert info.video.codec == "h264" and info.video.height == 360
    assert abs(info.duration - 3.0) < 0.1 and info.start < 0.05


def test_chapter_marks_go_from_the_job_to_the_report_form_and_the_youtube_text(web, settings, media):
    from urllib.parse import quote

    from overlay.report.model import CHAPTER_TITLES
    from overlay.web.jobs import row_fields

    assert "chapters" not in row_fields()                  # the batch CSV contract is unchanged
    clip = send(web, make_clip(media / "chapters.mp4", seconds=40, size="160x90")).json()
    place = {"input": clip["id"], "district": "พิชัย", "province": "อุตรดิตถ์", "force": True}

    def submit(chapters) -> dict:
        r = web.post("/api/jobs", json={**place, "chapters": chapters})
        assert r.status_code == 201, r.text
        job = r.json()
        web.post(f"/api/jobs/{job['id']}/cancel")         # only the job's record matters here
        wait_final(web, job["id"])
        return job

    # a mark that is not a time (or names no topic) is a bad request …
    for wrong in ({"setup": "1:75"}, {"intro": 0}, ["0:00"]):
        r = web.post("/api/jobs", json={**place, "chapters": wrong})
        assert r.status_code == 400 and "chapters" in r.json()["error"] or \
            CHAPTER_TITLES["setup"] in r.json()["error"], r.text
    # … YouTube's rules only warn: a chapter mark never refuses a render (the page refuses
    # such marks where they are made); the warnings name the topics by their titles
    job = submit({"setup": 0, "welfare": 5})
    assert any(CHAPTER_TITLES["welfare"] in line for line in job["warnings"]), job["warnings"]
    job = submit({"setup": 0, "welfare": 12, "benefits": "0:25", "sustainability": 45})
    assert job["settings"]["chapters"] == {"setup": 0, "welfare": 12, "benefits": 25}
    assert any(CHAPTER_TITLES["sustainability"] in line and "0:45" in line for line in job["warnings"])
    assert not any("chapters." in line for line in job["warnings"]), job["warnings"]
    again = web.post(f"/api/jobs/{job['id']}/again", json={"force": True}).json()
    assert again["settings"]["chapters"] == job["settings"]["chapters"]
    web.post(f"/api/jobs/{again['id']}/cancel")
    wait_final(web, again["id"])

    # the district's report form starts from them …
    api = f"/api/report/{quote('อุตรดิตถ์')}/{quote('พิชัย')}"
    draft = web.get(api).json()
    marks = {"setup": "0:00", "welfare": "0:12", "benefits": "0:25"}
    assert draft["answers"]["chapters"] == marks
    # … and once the rest is answered, the YouTube description has the chapters
    from web_report_support import sample

    answers = {**sample(), "chapters": draft["answers"]["chapters"]}
    assert web.put(api, json={"answers": answers}).json()["problems"]["complete"] is True
    made = web.post(f"{api}/make", json={})
    assert made.status_code == 200, made.text
    text = made.json()["youtube_text"]
    lines = [f"{stamp} {CHAPTER_TITLES[key]}" for key, stamp in marks.items()]
    assert "\n".join(lines) in text, text
