"""Issue 21, finding 5: one server per data folder. A second ``overlay web`` sends the user to
the running one and leaves its jobs alone; a stale lock is taken over; a killed server's
leftovers are swept by the next one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest

from overlay.web.jobstore import QUEUED, RUNNING, JobRecord, JobStore, new_id

from conftest import make_clip, posix_only
from web_support import TOKEN, client, web_settings

LOCK_NAME = "overlay-web.lock"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(folder, pid, port=0, machine=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LOCK_NAME).write_text(json.dumps({
        "pid": pid, "machine": machine or socket.gethostname(), "host": "127.0.0.1",
        "port": port, "address": f"http://127.0.0.1:{port}/?token=x" if port else None,
        "nonce": "old", "started": time.time() - 60}), encoding="utf-8")


def cli_env(data):
    return {**os.environ, "OVERLAY_DATA_DIR": str(data), "OVERLAY_LANG": "en"}


def test_second_overlay_web_points_to_the_first_and_leaves_its_jobs(tmp_path, official_logos):
    from overlay.web.server import start_in_thread

    data = tmp_path / "data"
    settings = web_settings(tmp_path, db_path=data / "overlay.db")
    first = start_in_thread(settings)
    try:
        store = JobStore(data / "overlay.db")
        job = store.add(JobRecord(new_id(), {"input": "x", "district": "พิชัย"}, status=RUNNING))
        waiting = store.add(JobRecord(new_id(), {"input": "y", "district": "พิชัย"}, status=QUEUED))
        assert (data / LOCK_NAME).is_file()
        done = subprocess.run([sys.executable, "-m", "overlay", "web", "--no-browser",
                               "--out-dir", str(tmp_path / "out2")],
                              capture_output=True, text=True, encoding="utf-8", env=cli_env(data),
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == first.url
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "already running" in lines[0], done.stderr
        assert first.url.split("?")[0] in lines[0] and TOKEN not in lines[0]
        # The first server's jobs are still its own, and it still serves.
        assert store.get(job.id).status == RUNNING and store.get(waiting.id).status == QUEUED
        assert httpx.get(first.url, timeout=10).status_code == 200
    finally:
        first.stop()
    assert not (data / LOCK_NAME).exists()          # released on a clean stop


def test_a_live_owner_refuses_a_second_app(tmp_path):
    from overlay.web.instance import AlreadyRunning, running

    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(1)
    try:
        write_lock(tmp_path, holder.pid, listening.getsockname()[1])
        store = JobStore(tmp_path / "overlay.db")
        job = store.add(JobRecord(new_id(), {"input": "x", "district": "พิชัย"}, status=RUNNING))
        assert running(tmp_path).pid == holder.pid
        with pytest.raises(AlreadyRunning) as info:
            client(web_settings(tmp_path))
        assert "\n" not in info.value.line()
        assert store.get(job.id).status == RUNNING
    finally:
        holder.kill()
        holder.wait()
        listening.close()


def test_stale_lock_is_taken_over(tmp_path):
    from overlay.web.instance import running

    write_lock(tmp_path, dead_pid(), 1)
    store = JobStore(tmp_path / "overlay.db")
    job = store.add(JobRecord(new_id(), {"input": "x", "district": "พิชัย"}, status=RUNNING))
    assert running(tmp_path) is None
    with client(web_settings(tmp_path)) as c:
        assert c.get(f"/api/jobs/{job.id}").json()["status"] == "stopped"
        lock = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert lock["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_reused_pid_that_listens_on_nothing_is_stale(tmp_path):
    from overlay.web.instance import claim, running

    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()                                   # nothing listens there now
    try:
        write_lock(tmp_path, holder.pid, port)
        assert running(tmp_path) is None
        claimed = claim(tmp_path)
        assert claimed.owner.pid == os.getpid()
        claimed.release()
    finally:
        holder.kill()
        holder.wait()


@posix_only
def test_killed_servers_leftovers_are_swept_on_start(tmp_path, media, official_logos, monkeypatch):
    data, out, tmp = tmp_path / "data", tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    clip = make_clip(media / "kill9.mp4", seconds=40, size="640x360")
    env = {**cli_env(data), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "overlay", "web", "--no-browser", "--out-dir", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=env)
    try:
        address = proc.stdout.readline().strip()
        base, token = address.split("/?token=")
        headers = {"X-Overlay-Token": token}
        upload = httpx.post(f"{base}/api/uploads", params={"kind": "clip", "name": "c.mp4"},
                            content=clip.read_bytes(), headers=headers, timeout=60).json()
        job = httpx.post(f"{base}/api/jobs", json={"input": upload["id"], "district": "พิชัย"},
                         headers=headers, timeout=60).json()
        deadline = time.time() + 60
        while time.time() < deadline:
            state = httpx.get(f"{base}/api/jobs/{job['id']}", headers=headers, timeout=10).json()
            if state["progress"] and state["progress"]["done"] > 0:
                break
            time.sleep(0.1)
        assert state["status"] == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    time.sleep(0.5)                                    # ffmpeg dies with its parent
    partials = list(out.glob(".overlay-partial-*"))
    work = list(tmp.glob("overlay-work-*"))
    assert partials and work and (data / LOCK_NAME).exists()

    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    settings = web_settings(tmp_path, db_path=data / "overlay.db", output_dir=out,
                            work_dir=data / "web-work")
    with client(settings) as c:
        assert c.get(f"/api/jobs/{job['id']}").json()["status"] == "stopped"
        assert not list(out.glob(".overlay-partial-*"))
        assert not list(tmp.glob("overlay-work-*"))
        assert c.get(f"/api/uploads/{upload['id']}").status_code == 200    # a whole upload stays
