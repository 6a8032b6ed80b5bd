"""``overlay web`` as a user starts it: prints the address, serves it, Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")


def start(tmp_path, *args):
    env = {**os.environ, "OVERLAY_DATA_DIR": str(tmp_path / "data"), "OVERLAY_LANG": "en"}
    proc = subprocess.Popen([sys.executable, "-m", "overlay", "web", "--no-browser",
                             "--out-dir", str(tmp_path / "out"), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    address = proc.stdout.readline().strip()
    return proc, address


def test_prints_address_with_token_and_stops_on_ctrl_c(tmp_path):
    proc, address = start(tmp_path)
    try:
        assert address.startswith("http://127.0.0.1:") and "?token=" in address
        page = httpx.get(address, timeout=10)
        assert page.status_code == 200 and "data-testid=\"clip-input\"" in page.text
        assert httpx.get(address.split("?")[0], timeout=10).status_code == 403
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err        # stopped by Ctrl-C, as every command
    assert "stopped" in err and "Traceback" not in err


@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_stop_signals_stop_cleanly(tmp_path, signame, code):
    proc, address = start(tmp_path)
    try:
        assert httpx.get(address, timeout=10).status_code == 200
    finally:
        proc.send_signal(getattr(signal, signame))
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "stopped" in err and "Traceback" not in err


def test_other_host_warns(tmp_path):
    proc, address = start(tmp_path, "--host", "0.0.0.0")
    try:
        assert address.startswith("http://127.0.0.1:")
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert "Warning" in err and "0.0.0.0" in err


def test_ctrl_c_during_render_stops_ffmpeg_and_leaves_nothing(tmp_path, media):
    from overlay.web.jobstore import JobStore

    from conftest import make_clip

    clip = make_clip(media / "ctrlc.mp4", seconds=30, size="1280x720")
    proc, address = start(tmp_path)
    base, token = address.split("/?token=")
    headers = {"X-Overlay-Token": token}
    try:
        upload = httpx.post(f"{base}/api/uploads", params={"kind": "clip", "name": "c.mp4"},
                            content=clip.read_bytes(), headers=headers, timeout=30).json()
        job = httpx.post(f"{base}/api/jobs", json={"input": upload["id"], "district": "พิชัย"},
                         headers=headers, timeout=30).json()
        deadline = time.time() + 60
        while time.time() < deadline:
            state = httpx.get(f"{base}/api/jobs/{job['id']}", headers=headers, timeout=10).json()
            if state["progress"] and state["progress"]["done"] > 0:
                break
            time.sleep(0.1)
        assert state["status"] == "running"
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []
    assert JobStore(tmp_path / "data" / "overlay.db").get(job["id"]).status == "stopped"


def test_port_in_use_is_one_clear_line(tmp_path):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        proc, first = start(tmp_path, "--port", str(taken.getsockname()[1]))
        _out, err = proc.communicate(timeout=30)
    finally:
        taken.close()
    assert proc.returncode == 2
    assert "Cannot listen on 127.0.0.1 port" in err and "--port" in err and "Traceback" not in err
