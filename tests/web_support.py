"""What the web tests share: the app in-process, and the real server for the browser tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from overlay.web.app import create_app
from overlay.web.settings import WebSettings

TOKEN = "test-token"


def web_settings(tmp_path: Path, **overrides) -> WebSettings:
    """Settings whose folders are all under ``tmp_path``; a fixed token."""
    base = WebSettings(token=TOKEN, output_dir=tmp_path / "out", work_dir=tmp_path / "work",
                       db_path=tmp_path / "overlay.db")
    return replace(base, **overrides)


def client(settings: WebSettings, *, token: bool = True) -> TestClient:
    """The app in-process, as a browser at 127.0.0.1 that holds the token (unless told not to)."""
    headers = {"X-Overlay-Token": settings.token} if token else {}
    return TestClient(create_app(settings), base_url="http://127.0.0.1", headers=headers)


# ---------------------------------------------------------------- the real browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium (Playwright's own download is not reachable on these machines)."""
    import os
    import shutil

    found = os.environ.get("OVERLAY_CHROMIUM") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    return found or shutil.which("chromium") or shutil.which("chromium-browser")
