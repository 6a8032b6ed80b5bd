"""One server per data folder: a lock file, ``overlay-web.lock``, in the folder.

The lock holds its owner: process id, machine, port and the page's address. A second
``overlay web`` on the same folder finds it and sends the user to the running page instead of
starting a second server (which would mark the first one's jobs stopped while it still makes
them). A lock whose process is gone (a crash, a ``kill -9``, a power cut) is taken over. Only
the lock's holder marks an earlier server's jobs stopped and sweeps what a killed server left
(``sweep``): partial files and work folders whose names say their owner is gone.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from overlay import runner
from overlay.i18n import _
from overlay.render import WORK_PREFIX
from overlay.web.errors import Conflict

log = logging.getLogger("overlay.web")

LOCK_NAME = "overlay-web.lock"
_WORK_NAME = re.compile(re.escape(WORK_PREFIX) + r"([0-9a-f]{6})-(\d+)-")


@dataclass(frozen=True)
class Owner:
    pid: int
    machine: str
    host: str = ""
    port: int = 0
    address: str | None = None       # the page's address, token included (the same user's file)
    nonce: str = ""
    started: float = 0.0


class AlreadyRunning(Conflict):
    """Another live server holds this data folder."""

    def __init__(self, owner: Owner) -> None:
        super().__init__(_("overlay web is already running for this data folder (process {pid}).")
                         .format(pid=owner.pid),
                         _("Use its page: {address}").format(address=where(owner)))
        self.owner = owner


def where(owner: Owner) -> str:
    """The owner's address without its token, for a line on the screen."""
    if owner.address:
        return owner.address.split("?", 1)[0]
    return f"{owner.machine}, process {owner.pid}"


def address(host: str, port: int, token: str, path: str = "/") -> str:
    """The page's address for the browser (a wildcard host is reached at 127.0.0.1)."""
    host = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}{path}?token={token}"


def machine() -> str:
    return socket.gethostname()


def lock_path(folder: Path) -> Path:
    return Path(folder) / LOCK_NAME


def _parse(raw: str) -> Owner | None:
    try:
        data = json.loads(raw)
        return Owner(pid=int(data["pid"]), machine=str(data["machine"]), host=str(data.get("host", "")),
                     port=int(data.get("port", 0)), address=data.get("address") or None,
                     nonce=str(data.get("nonce", "")), started=float(data.get("started", 0.0)))
    except (ValueError, KeyError, TypeError):
        return None


def _read_raw(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Something accepts connections at host:port (the owner's socket listens before it locks)."""
    if not port:
        return True
    target = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host.strip("[]")
    try:
        with socket.create_connection((target, port), timeout=timeout):
            return True
    except OSError:
        return False


def alive(owner: Owner) -> bool:
    """The owner still runs: its process lives (on this machine) and its port answers.
    An owner on another machine (a shared folder) cannot be checked: it counts as alive."""
    if owner.machine != machine():
        return True
    if not runner.pid_alive(owner.pid):
        return False
    if owner.pid == os.getpid():
        return True
    return answers(owner.host, owner.port)        # a reused process id listens on nothing


def running(folder: Path) -> Owner | None:
    """The live server that holds ``folder``, if any (a stale lock counts as none)."""
    path = lock_path(folder)
    for _attempt in range(20):
        raw = _read_raw(path)
        if raw is None:
            return None
        owner = _parse(raw)
        if owner is not None:
            return owner if owner.pid != os.getpid() and alive(owner) else None
        time.sleep(0.1)           # being written: the owner writes it in one step, but wait a little
    return None


def _create(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` in one step; FileExistsError when it is there."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    temp.write_text(text, encoding="utf-8")
    try:
        if os.name != "nt":
            os.chmod(temp, 0o600)      # it holds the page's token
        try:
            os.link(temp, path)
            return
        except FileExistsError:
            raise
        except OSError:
            pass                       # no hard links here: an exclusive create, then the text
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    finally:
        temp.unlink(missing_ok=True)


@dataclass
class Claim:
    path: Path
    owner: Owner
    released: bool = False

    def release(self) -> None:
        """Remove the lock if it is still ours (idempotent)."""
        if self.released:
            return
        self.released = True
        raw = _read_raw(self.path)
        current = _parse(raw) if raw else None
        if current is not None and current.nonce == self.owner.nonce:
            try:
                self.path.unlink()
            except OSError:
                log.warning("could not remove %s", self.path)


def claim(folder: Path, host: str = "", port: int = 0, address: str | None = None) -> Claim:
    """Hold ``folder`` for this server, taking over a stale lock; AlreadyRunning when a live
    server holds it. The same process may claim again (a page made anew in one process)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder)
    me = Owner(pid=os.getpid(), machine=machine(), host=host, port=port, address=address,
               nonce=uuid.uuid4().hex, started=time.time())
    text = json.dumps(asdict(me), ensure_ascii=False)
    for _attempt in range(50):
        try:
            _create(path, text)
        except FileExistsError:
            raw = _read_raw(path)
            if raw is None:
                continue                                  # gone meanwhile: try again
            current = _parse(raw)
            if current is None:
                if _age(path) < 5:
                    time.sleep(0.1)                       # being written
                    continue
            elif current.pid != os.getpid() and alive(current):
                raise AlreadyRunning(current) from None
            _take_over(path, raw)
            continue
        result = Claim(path, me)
        atexit.register(result.release)
        return result
    raise Conflict(_("The data folder's lock {path} cannot be taken.").format(path=path),
                   _("Close every overlay web window, then start it again."))


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _take_over(path: Path, stale: str) -> None:
    """Move the stale lock aside, and only that one: if another starting server replaced it
    meanwhile, put theirs back."""
    aside = path.with_name(f".{path.name}.stale-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(path, aside)
    except OSError:
        return
    if _read_raw(aside) != stale:
        try:
            os.link(aside, path)
        except OSError:
            pass
    aside.unlink(missing_ok=True)


# ---------------------------------------------------------------- what a killed server left

def _dead_work_folder(path: Path) -> bool:
    found = _WORK_NAME.match(path.name)
    if not found or not path.is_dir():
        return False
    return found.group(1) == runner._host_tag() and not runner.pid_alive(int(found.group(2)))


def sweep(output_dir: Path, work_dir: Path, known_uploads: set[str] | None = None) -> list[Path]:
    """Remove the partial files and work folders of servers that are gone (their owner's
    process is dead): in the output folder, the page's work folder and the system's temporary
    folder. Only owner-tagged names are touched; never a live render's. Returns what went."""
    removed: list[Path] = []
    folders = [Path(output_dir), Path(work_dir) / "previews"]
    uploads = Path(work_dir) / "uploads"
    upload_dirs = _children(uploads)
    for folder in upload_dirs:
        folders += [folder, folder / "proxy"]
    for folder in folders:
        removed += runner.sweep_stale_partials(folder)
    # An upload cut off by the kill: its folder holds no finished file and no record.
    if known_uploads is not None:
        for folder in upload_dirs:
            if folder.name not in known_uploads and not any(p.is_file() for p in folder.rglob("*")):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    for folder in _children(Path(tempfile.gettempdir())):
        if _dead_work_folder(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _children(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except OSError:
        return []

