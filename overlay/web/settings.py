"""What one running ``overlay web`` server is configured with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from overlay.store import data_home

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
GIB = 1 << 30


def default_output_dir() -> Path:
    """A folder under the user's Videos folder (home if there is none), as offices expect."""
    try:
        videos = Path(platformdirs.user_videos_dir())
    except Exception:
        videos = Path.home()
    base = videos if videos.is_dir() else Path.home()
    return base / "overlay"


def default_audit_dir() -> Path:
    """Where a provincial office puts what its districts sent, for the page's audit view.

    Beside the output folder, never inside it (the audit skips its own output). The page
    only ever audits this folder: no request names a path on disk.
    """
    return default_output_dir().parent / "overlay-received"


def default_work_dir() -> Path:
    """Uploads, proxies and previews: the app's own folder, never a path a request names."""
    return data_home() / "web-work"


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 0                                   # 0: a free port, chosen at start
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    output_dir: Path = field(default_factory=default_output_dir)
    work_dir: Path = field(default_factory=default_work_dir)
    audit_dir: Path = field(default_factory=default_audit_dir)   # overlay web --audit-dir
    max_upload: int = 8 * GIB                       # bytes; a 5-minute 4K phone clip is ~2 GB
    keep_days: float = 14.0                         # uploads and previews older than this go
    db_path: Path | None = None                     # default: overlay.db in the user data folder
    max_queued: int = 20                            # clips waiting behind the one being made
    upload_idle: float = 60.0                       # seconds without a byte: a stalled upload
    free_margin: int = 256 << 20                    # bytes an upload or a render leaves free

    @property
    def data_dir(self) -> Path:
        """The data folder this server owns (its database's): one server per folder."""
        return self.db_path.parent if self.db_path is not None else data_home()

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Host names a request may name (DNS rebinding defence): loopback, or --host."""
        return LOOPBACK_NAMES | {self.host.strip("[]")}

    def cookie_name(self) -> str:
        # Cookies ignore the port: two servers on one machine must not overwrite each other's.
        return f"overlay_token_{self.port}"
