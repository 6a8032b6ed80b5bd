"""Hostile files are refused before they cost anything (issue 21, findings 2, 3 and 7).

SVG logos: a declared size beyond the raster limit, a reference to a local file or the
network, scripts, <use> fan-out; a picture or clip whose declared size is absurd. Each is one
line on the command line and a 400 on the page, and the server keeps serving. The bombs run
in child processes (the CLI, a real server): on the old code they abort or take 40 s, and a
test must fail, not take the test run down with it.
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from overlay import logolib, logos, runner, svgsafe
from overlay.cli import app
from overlay.errors import InputError, PresetError
from overlay.probe import probe, require_video
from overlay.resources import fonts_dir

from web_support import TOKEN, client, web_settings

pytest.importorskip("resvg_py")

NS = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
RED = (255, 0, 0)
BLUE = (20, 60, 200)
TESTS = Path(__file__).parent
PLACE = {"province": "อุตรดิตถ์", "district": "พิชัย"}


def svg(attrs: str, body: str = '<rect width="10" height="10" fill="#143cc8"/>') -> str:
    return f"<svg {NS} {XLINK} {attrs}>{body}</svg>"


BOMBS = {
    "100000px": svg('width="100000" height="100000"'),           # the 130-byte file of the issue
    "20000px": svg('width="20000" height="20000"'),
    "1000in": svg('width="1000in" height="1000in"'),
    "3000mm": svg('width="3000mm" height="3000mm"'),
    "viewbox-only": svg('viewBox="0 0 100000 100000"'),
    "percent-of-viewbox": svg('width="1000%" height="1000%" viewBox="0 0 5000 5000"'),
}


def fan_out(levels: int = 9, copies: int = 10) -> str:
    """Billion laughs with <use>: ``copies``**``levels`` rectangles from a few hundred bytes."""
    groups = "".join(f'<g id="l{i + 1}">' + f'<use xlink:href="#l{i}"/>' * copies + "</g>"
                     for i in range(levels))
    return svg('width="64" height="64"', f'<defs><rect id="l0" width="1" height="1"/>{groups}</defs>'
                                         f'<use xlink:href="#l{levels}"/>')


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def red_png(path: Path, size=(200, 200)) -> Path:
    Image.new("RGB", size, RED).save(path)
    return path


def reddish(im: Image.Image) -> int:
    """How many visible pixels are the red of the local picture."""
    a = np.asarray(im.convert("RGBA")).astype(int)
    return int(((a[..., 0] > 200) & (a[..., 1] < 80) & (a[..., 2] < 80) & (a[..., 3] > 0)).sum())


def blueish(im: Image.Image) -> int:
    a = np.asarray(im.convert("RGBA")).astype(int)
    return int(((np.abs(a[..., :3] - BLUE).max(axis=2) < 40) & (a[..., 3] > 0)).sum())


def big_png(path: Path, w: int, h: int) -> Path:
    """A real 1-bit PNG that declares ``w``×``h`` (all black): small on disk, absurd when decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (w + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(h)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def png_30000(tmp_path_factory) -> Path:
    return big_png(tmp_path_factory.mktemp("big") / "huge.png", 30000, 30000)


def overlay_cli(*args, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`overlay …` in a child process (a bomb on the old code aborts it; the test only fails)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "overlay", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


# ---------------------------------------------------------------- the declared size

@pytest.mark.parametrize("name", sorted(BOMBS))
def test_an_svg_bomb_is_refused_by_its_declared_size_in_no_time(tmp_path, name):
    path = write(tmp_path / f"{name}.svg", BOMBS[name])
    started = time.monotonic()
    with pytest.raises(svgsafe.SvgRefused) as err:   # read, never drawn (the old code drew it: 40 GB)
        logos.svg_size(path)
    assert time.monotonic() - started < 1.0
    with pytest.raises(svgsafe.SvgRefused):
        svgsafe.read(path)
    assert "far too large to be a logo" in err.value.message and "\n" not in err.value.line()
    assert isinstance(err.value, PresetError)            # the CLI's one line, the page's 400


def test_the_130_byte_bomb_of_the_issue_is_130_bytes():
    assert len(BOMBS["100000px"].replace(f" {XLINK}", "")) <= 130


@pytest.mark.parametrize("attrs, size", [
    ('width="200" height="100"', (200, 100)),
    ('width="2in" height="1in"', (192, 96)),
    ('width="20mm" height="10mm"', (76, 38)),
    ('width="72pt" height="36pt"', (96, 48)),
    ('width="10em" height="5em"', (160, 80)),
    ('viewBox="0 0 300 100"', (300, 100)),
    ('width="60" viewBox="0 0 300 100"', (60, 20)),
    ('width="50%" height="50%" viewBox="0 0 300 100"', (150, 50)),
])
def test_the_declared_size_is_read_with_its_units(tmp_path, attrs, size):
    assert logos.svg_size(write(tmp_path / "logo.svg", svg(attrs))) == size


def test_an_svg_in_millimetres_is_drawn_at_its_size(tmp_path):
    """resvg-py's default dpi of 0 refused every absolute unit ("invalid size"): drawn at 96 dpi."""
    path = write(tmp_path / "mm.svg", svg('width="20mm" height="10mm" viewBox="0 0 20 10"',
                                          '<rect width="20" height="10" fill="#143cc8"/>'))
    im = logos.load_logo(path, 40)
    assert im.size == (80, 40) and blueish(im) == 80 * 40


def test_an_svg_without_any_size_is_refused_in_one_line(tmp_path):
    with pytest.raises(svgsafe.SvgRefused, match="declares no size"):
        logos.load_logo(write(tmp_path / "nosize.svg", svg("")), 86)


# ---------------------------------------------------------------- what it may reach

def test_a_local_file_in_an_svg_is_not_drawn(tmp_path):
    """Finding 3: <image href="/path/to/some.png"> drew that file into the logo."""
    (tmp_path / "private").mkdir()
    secret = red_png(tmp_path / "private" / "photo.png")
    red_png(tmp_path / "beside.png")
    body = ('<rect width="100" height="100" fill="#143cc8"/>'
            f'<image href="{secret}" width="100" height="50"/>'
            f'<image xlink:href="file://{secret}" y="50" width="50" height="50"/>'
            '<image href="beside.png" x="50" y="50" width="50" height="50"/>')
    path = write(tmp_path / "local.svg", svg('width="100" height="100"', body))
    im = logos.load_logo(path, 100)
    assert reddish(im) == 0 and blueish(im) == 100 * 100       # the logo, none of the picture
    stored, _notes = logolib.prepare("moi", path)
    assert reddish(stored) == 0 and blueish(stored) > 0


def test_the_network_and_outside_references_are_cut(tmp_path):
    body = ('<style>@import url("http://127.0.0.1:9/evil.css");'
            '@font-face { font-family: X; src: url("file:///etc/fonts/x.ttf"); }'
            ' .a { fill: url(http://127.0.0.1:9/p.svg#g) }</style>'
            '<image href="http://127.0.0.1:9/logo.png" width="10" height="10"/>'
            '<use xlink:href="other.svg#seal"/>'
            '<rect class="a" width="10" height="10" fill="url(https://example.org/x.svg#p)" '
            'style="filter: url(/tmp/f.svg#blur)"/>'
            '<linearGradient id="g" href="//example.org/g.svg#x"/>')
    safe = svgsafe.read(write(tmp_path / "net.svg", svg('width="10" height="10"', body)))
    text = re.sub(r'xmlns(:\w+)?="[^"]*"', "", safe.text).lower()
    for gone in ("http", "example.org", "other.svg", "/tmp/f.svg", "@import", "@font-face", "file:"):
        assert gone not in text, gone
    assert 'id="g"' in safe.text                                 # the element stays, its link not


def test_script_foreign_object_and_handlers_are_dropped(tmp_path):
    body = ('<script>alert(1)</script><foreignObject width="10" height="10"><p>x</p></foreignObject>'
            '<rect width="10" height="10" fill="#143cc8" onload="alert(2)"/>'
            '<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(3)</svg:script>')
    safe = svgsafe.read(write(tmp_path / "script.svg", svg('width="10" height="10"', body)))
    low = safe.text.lower()
    assert "script" not in low and "foreignobject" not in low and "alert" not in low
    assert "onload" not in low and ":rect " in low


def test_what_stays_inside_the_document_still_draws(tmp_path):
    """#fragments, embedded PNGs, gradients and clips: what real logos are made of."""
    dot = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 200, 0)).save(dot, "PNG")
    data = base64.b64encode(dot.getvalue()).decode()
    body = ('<defs><linearGradient id="g"><stop offset="0" stop-color="#143cc8"/></linearGradient>'
            '<rect id="half" width="50" height="100"/></defs>'
            '<use xlink:href="#half" fill="url(#g)"/>'
            f'<image x="50" width="50" height="100" preserveAspectRatio="none" href="data:image/png;base64,{data}"/>')
    im = logos.load_logo(write(tmp_path / "inside.svg", svg('width="100" height="100"', body)), 100)
    a = np.asarray(im).astype(int)
    assert blueish(im.crop((0, 0, 50, 100))) == 50 * 100
    assert (np.abs(a[:, 52:98, :3] - (0, 200, 0)).max() <= 2) and (a[:, 52:98, 3] == 255).all()


def test_an_embedded_svg_image_is_cut_too(tmp_path):
    inner = base64.b64encode(svg('width="10" height="10"', '<image href="/etc/x.png"/>').encode()).decode()
    body = f'<image width="10" height="10" href="data:image/svg+xml;base64,{inner}"/>'
    safe = svgsafe.read(write(tmp_path / "nested.svg", svg('width="10" height="10"', body)))
    assert "data:image/svg" not in safe.text


# ---------------------------------------------------------------- what it may cost

def test_use_fan_out_is_refused_before_drawing(tmp_path):
    path = write(tmp_path / "laughs.svg", fan_out())
    assert path.stat().st_size < 4000         # a billion rectangles
    started = time.monotonic()
    with pytest.raises(svgsafe.SvgRefused, match="too complex"):
        svgsafe.read(path)
    assert time.monotonic() - started < 1.0


def test_xml_entity_bombs_are_refused_and_illustrator_namespaces_still_read(tmp_path):
    laughs = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
              f'<svg {NS} width="10" height="10"><text>&c;</text></svg>')
    with pytest.raises(svgsafe.SvgRefused, match="entities"):
        svgsafe.read(write(tmp_path / "laughs.svg", laughs))
    external = (f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg {NS} width="9" height="9">'
                '<text>&x;</text></svg>')
    with pytest.raises(svgsafe.SvgRefused, match="entities"):
        svgsafe.read(write(tmp_path / "xxe.svg", external))
    illustrator = ('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                   '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n<!ENTITY ns_svg '
                   '"http://www.w3.org/2000/svg">\n<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">\n]>'
                   '<svg xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" width="20" height="20">'
                   '<rect width="20" height="20" fill="#143cc8"/></svg>')
    im = logos.load_logo(write(tmp_path / "ai.svg", illustrator), 20)
    assert blueish(im) == 400


def test_a_drawing_that_takes_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(svgsafe, "RENDER_SECONDS", 0.01)     # less than a Python takes to start
    with pytest.raises(svgsafe.SvgRefused, match="longer than"):
        logos.load_logo(write(tmp_path / "slow.svg", svg('width="10" height="10"')), 10)


def test_the_bounded_runner_stops_a_child_in_time_and_memory():
    started = time.monotonic()
    done = runner.run_bounded([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1.0)
    assert done.timed_out and time.monotonic() - started < 10
    if os.name != "nt":
        hog = runner.run_bounded([sys.executable, "-c", "b = bytearray(3 * 1024 ** 3); print(len(b))"],
                                 timeout=30, memory=1024 ** 3)
        assert hog.returncode != 0 and "MemoryError" in hog.stderr and not hog.stdout
    echo = runner.run_bounded([*runner.python_module("overlay.svgsafe"), "4", "4", ""],
                              stdin=svg('width="4" height="4"').encode())
    assert echo.returncode == 0 and Image.open(io.BytesIO(echo.stdout)).size == (4, 4)


@pytest.mark.skipif(os.name == "nt", reason="the address-space ceiling is POSIX's rlimit")
def test_a_drawing_that_needs_too_much_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(svgsafe, "RENDER_MEMORY", 300 * 1024 ** 2)
    path = write(tmp_path / "big.svg", svg('width="10000" height="10000"'))   # allowed, 400 MB drawn
    with pytest.raises(svgsafe.SvgRefused, match="needs more memory"):
        logos.render_svg(path, None)


def test_windows_caps_the_drawing_process_with_a_job_object():
    """No rlimit on Windows: a job of its own, with a process memory limit (a fake kernel32)."""
    class Kernel32:
        limits = None
        closed: list[int] = []

        def CreateJobObjectW(self, _attrs, _name):
            return 7

        def SetInformationJobObject(self, job, kind, info, size):
            self.limits = info._obj
            return kind == runner.JOB_OBJECT_EXTENDED_LIMIT_INFORMATION

        def AssignProcessToJobObject(self, job, handle):
            return job == 7 and handle == 42

        def CloseHandle(self, handle):
            self.closed.append(handle)

    class Proc:
        _handle = 42

    api = Kernel32()
    assert runner._memory_job(Proc(), 3 * 1024 ** 3, api) == (api, 7)
    assert api.limits.ProcessMemoryLimit == 3 * 1024 ** 3
    assert api.limits.BasicLimitInformation.LimitFlags == (runner.JOB_OBJECT_LIMIT_PROCESS_MEMORY
                                                          | runner.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)


# ---------------------------------------------------------------- a real logo, unchanged

SEAL = svg('width="240" height="240" viewBox="0 0 120 120"', """
<defs>
  <radialGradient id="sun" cx="0.5" cy="0.45" r="0.6">
    <stop offset="0" stop-color="#ffd54a"/><stop offset="1" stop-color="#c8102e"/>
  </radialGradient>
  <clipPath id="disc"><circle cx="60" cy="60" r="52"/></clipPath>
  <path id="ray" d="M60 8 L64 30 L56 30 Z" fill="#14306e"/>
</defs>
<circle cx="60" cy="60" r="58" fill="#14306e"/>
<circle cx="60" cy="60" r="52" fill="url(#sun)"/>
<g clip-path="url(#disc)" opacity="0.8">
  <rect x="0" y="78" width="120" height="50" fill="#1f8a3a"/>
  <path d="M0 90 Q30 70 60 90 T120 90 V120 H0 Z" fill="#2a62b8"/>
</g>
<g>
  <use xlink:href="#ray"/><use xlink:href="#ray" transform="rotate(45 60 60)"/>
  <use xlink:href="#ray" transform="rotate(90 60 60)"/><use xlink:href="#ray" transform="rotate(-45 60 60)"/>
  <use xlink:href="#ray" transform="rotate(-90 60 60)"/>
</g>
<path d="M40 60 C40 45 80 45 80 60 S60 85 60 85 Z" fill="#ffffff" stroke="#14306e" stroke-width="2"/>
""")


def test_an_official_svg_logo_draws_exactly_as_before(tmp_path):
    """The same pixels as the old direct resvg call, at the declared and at a scaled size."""
    import resvg_py

    path = write(tmp_path / "seal.svg", SEAL)
    for size in ((240, 240), (86, 86), (1024, 1024)):
        old = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(
            svg_path=str(path), resources_dir=str(path.parent), font_dirs=[str(fonts_dir())],
            width=size[0], height=size[1])))).convert("RGBA")
        new = logos.render_svg(path, size)
        assert new.size == old.size == size
        assert np.array_equal(np.asarray(new), np.asarray(old)), size
    assert logos.svg_size(path) == (240, 240)


def test_thai_text_in_an_svg_is_drawn_with_the_shipped_font(tmp_path):
    body = '<text x="5" y="45" font-size="36" font-family="Loma" fill="#143cc8">อำเภอพิชัย</text>'
    im = logos.render_svg(write(tmp_path / "text.svg", svg('width="240" height="60"', body)), None)
    assert blueish(im) > 300


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("name", ["100000px", "20000px", "1000in", "viewbox-only"])
def test_logos_add_with_an_svg_bomb_says_one_line(tmp_path, name):
    path = write(tmp_path / "bomb.svg", BOMBS[name])
    started = time.monotonic()
    done = overlay_cli("logos", "add", "moi", path, timeout=30)
    assert time.monotonic() - started < 20
    assert done.returncode == 2, done.stderr
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and "far too large to be a logo" in lines[0] and "bomb.svg" in lines[0]
    assert not (logolib.library_dir() / "moi.png").exists()


def test_logos_add_with_a_huge_png_says_one_line(tmp_path, png_30000):
    done = overlay_cli("logos", "add", "moi", png_30000)
    assert done.returncode == 2
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and "far too large to be a logo" in lines[0]


def test_a_huge_png_named_by_a_preset_is_refused_in_one_line(png_30000):
    with pytest.raises(PresetError) as err:
        logos.load_logo(png_30000, 86)
    assert "far too large to be a logo" in err.value.message and "decompression" not in err.value.line()


def test_a_30000_pixel_png_as_the_clip_is_one_line_on_the_command_line(tmp_path, png_30000):
    result = CliRunner().invoke(app, ["render", str(png_30000), "-d", "พิชัย", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "huge.png has a picture whose size cannot be read" in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_require_video_refuses_an_absurd_or_missing_picture_size(tmp_path, png_30000):
    with pytest.raises(InputError, match="size cannot be read"):
        require_video(probe(png_30000))
    wide = big_png(tmp_path / "wide.png", 20000, 64)
    with pytest.raises(InputError, match="is 20000×64 pixels"):
        require_video(probe(wide))


# ---------------------------------------------------------------- the page

def test_a_30000_pixel_png_uploaded_as_the_clip_is_a_400(tmp_path, png_30000):
    with client(web_settings(tmp_path)) as c:
        r = c.post("/api/uploads", params={"kind": "clip", "name": "huge.png"}, content=png_30000.read_bytes())
        assert r.status_code == 400, r.text
        assert "size cannot be read" in r.json()["error"] and "\n" not in r.json()["error"]
        assert c.get("/api/jobs").status_code == 200


SERVER = """
import sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from web_support import web_settings
from overlay.web.server import start_in_thread
running = start_in_thread(web_settings(Path({tmp!r})))
print(running.url.split("?")[0].rstrip("/"), flush=True)
time.sleep(600)
"""


@pytest.fixture
def live(tmp_path):
    """The real server in its own process: a bomb that kills it fails the test, not the run."""
    import httpx

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(tests=str(TESTS), tmp=str(tmp_path))],
                            stdout=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http"), url
        with httpx.Client(base_url=url, headers={"X-Overlay-Token": TOKEN}, timeout=60) as http:
            yield http, proc
    finally:
        proc.kill()
        proc.wait()


def test_svg_bombs_posted_as_a_logo_are_400s_and_the_server_lives(live, tmp_path):
    http, proc = live
    for name in ("100000px", "20000px", "1000in", "viewbox-only"):
        started = time.monotonic()
        r = http.post("/api/logos/moi", params=PLACE, files={"file": ("bomb.svg", BOMBS[name], "image/svg+xml")})
        assert time.monotonic() - started < 1.0, name
        assert r.status_code == 400, (name, r.text)
        assert "far too large to be a logo" in r.json()["error"] and "\n" not in r.json()["error"]
        assert proc.poll() is None
    r = http.post("/api/logos/moi", params=PLACE, files={"file": ("laughs.svg", fan_out(), "image/svg+xml")})
    assert r.status_code == 400 and "too complex" in r.json()["error"]
    listing = http.get("/api/logos", params=PLACE)
    assert listing.status_code == 200 and listing.json()["slots"][0]["key"] == "moi"


def test_a_local_file_svg_posted_as_a_logo_stores_the_logo_without_the_file(live, tmp_path):
    http, _proc = live
    secret = red_png(tmp_path / "secret.png")
    body = ('<rect width="100" height="100" fill="#143cc8"/>'
            f'<image href="{secret}" width="100" height="100"/>')
    r = http.post("/api/logos/moi", params=PLACE,
                  files={"file": ("moi.svg", svg('width="100" height="100"', body), "image/svg+xml")})
    assert r.status_code == 200, r.text
    thumb = http.get(r.json()["slots"][0]["thumb"])
    im = Image.open(io.BytesIO(thumb.content))
    assert reddish(im) == 0 and blueish(im) > 0
