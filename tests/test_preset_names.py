"""Issue 21, finding 4: no request names a path. The page chooses a preset by its name among
the shipped ones and the user's own; a preset's naming values are checked when it is loaded,
for the command line too, and the output is always inside the output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from overlay.errors import NamingError, PresetError
from overlay.presets import load_preset

from web_support import client, web_settings

PARSER_WORDS = ("toml", "TOML", "parse", "Expected", "line 1", "column", "does not exist",
                "Cannot read", "passwd")
BAD_EXTENSION = ('[preset]\nextends = "uttaradit"\nname = "evil"\n'
                 '[naming]\nextension = "/../X.mp4"\n')


@pytest.fixture
def settings(tmp_path, official_logos):
    return web_settings(tmp_path)


@pytest.fixture
def web(settings):
    with client(settings) as c:
        yield c


def send(c, path: Path | bytes, kind="clip", name="clip.mp4"):
    data = path if isinstance(path, bytes) else path.read_bytes()
    return c.post("/api/uploads", params={"kind": kind, "name": name}, content=data)


def user_preset(name: str, text: str) -> Path:
    folder = Path(os.environ["OVERLAY_DATA_DIR"]) / "presets"      # the user's own presets
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- a path is never a preset

def test_etc_passwd_and_a_missing_path_get_the_same_plain_400(web, clip3, tmp_path):
    clip = send(web, clip3).json()
    answers = []
    for preset in ("/etc/passwd", str(tmp_path / "missing.toml"), "../../etc/passwd", "C:\\x.toml"):
        r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย", "preset": preset})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert "\n" not in error and not any(word in error for word in PARSER_WORDS), error
        answers.append(error)
        shown = web.get("/api/preview", params={"input": clip["id"], "district": "พิชัย",
                                                "preset": preset, "at": 0})
        assert shown.status_code == 400 and shown.json()["error"] == error
    assert len(set(answers)) == 1           # an existing and a missing file answer alike


def test_uploaded_toml_as_preset_path_writes_nothing_outside(web, settings, clip3, tmp_path):
    clip = send(web, clip3).json()
    upload = send(web, BAD_EXTENSION.encode(), kind="subs", name="subs.srt")
    # Whether or not the subtitle check took it, its path on disk is not a preset.
    paths = [p for p in (settings.work_dir / "uploads").rglob("*.srt")] or [tmp_path / "subs.toml"]
    if upload.status_code != 201:
        paths[0].write_text(BAD_EXTENSION, encoding="utf-8")
    for path in paths:
        r = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย", "preset": str(path)})
        assert r.status_code == 400, r.text
    assert not (tmp_path / "X.mp4").exists() and not list(tmp_path.glob("*X.mp4"))
    assert not settings.output_dir.exists() or not any(settings.output_dir.iterdir())


def test_check_name_refuses_paths_and_knows_the_names():
    from overlay.presets import by_name, check_name, names, user_presets_dir

    assert user_presets_dir() == Path(os.environ["OVERLAY_DATA_DIR"]) / "presets"
    assert {"base", "uttaradit"} <= set(names())
    for bad in ("/etc/passwd", "a/b", "a\\b", "..", "../x", "C:x", "x.toml", ""):
        with pytest.raises(PresetError) as info:
            check_name(bad)
        assert "\n" not in info.value.line()
    with pytest.raises(PresetError, match="Unknown preset"):
        check_name("nowhere")
    assert by_name("uttaradit").province == "อุตรดิตถ์"


# ---------------------------------------------------------------- naming checked at load

@pytest.mark.parametrize("naming", [
    'extension = "/../X.mp4"', 'extension = ".exe"', 'extension = ".mp4/x"',
    'template = "{district}/../{province}"', 'template = "..\\\\{district}"',
    'template = "C:{district}"', 'template = "{0}{district}"', 'template = "{district.__class__}"',
    'template = "{district!r}"', 'template = "{secret}"',
])
def test_naming_values_that_build_a_path_are_refused_at_load(tmp_path, naming):
    path = tmp_path / "bad.toml"
    path.write_text(f'[preset]\nextends = "uttaradit"\n[naming]\n{naming}\n', encoding="utf-8")
    with pytest.raises(PresetError) as info:
        load_preset(str(path))
    assert "\n" not in info.value.line()


@pytest.mark.parametrize("extension", [".mp4", ".MOV", ".mkv", ".m4v"])
def test_video_extensions_load(tmp_path, extension):
    path = tmp_path / "ok.toml"
    path.write_text(f'[preset]\nextends = "uttaradit"\n[naming]\nextension = "{extension}"\n',
                    encoding="utf-8")
    assert load_preset(str(path)).extension == extension


def test_cli_refuses_a_bad_preset_in_one_line(tmp_path, clip3):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_EXTENSION, encoding="utf-8")
    env = {**os.environ, "OVERLAY_LANG": "en"}
    done = subprocess.run([sys.executable, "-m", "overlay", "render", str(clip3), "--district", "พิชัย",
                           "--preset", str(bad), "--out-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "extension" in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "X.mp4").exists() and not (tmp_path / "out").exists()


def test_inside_keeps_the_output_in_its_folder(tmp_path):
    from overlay.naming import inside

    assert inside(tmp_path, "a.mp4") == tmp_path / "a.mp4"
    for bad in ("../a.mp4", "x/../../a.mp4", "/etc/a.mp4", "a/b.mp4", "..", ""):
        with pytest.raises(NamingError):
            inside(tmp_path, bad)


# ---------------------------------------------------------------- the listing and a user's preset

def test_presets_listing(web):
    user_preset("อุตรดิตถ์ของเรา", '[preset]\nextends = "uttaradit"\nname = "ours"\n'
                          'description = "Our own"\n')
    user_preset("broken", "this is = not [toml")
    r = web.get("/api/presets")
    assert r.status_code == 200
    listed = {p["name"]: p for p in r.json()["presets"]}
    assert {"base", "uttaradit", "อุตรดิตถ์ของเรา"} <= set(listed) and "broken" not in listed
    assert listed["uttaradit"]["label_th"] == "จังหวัดอุตรดิตถ์"
    assert listed["uttaradit"]["label_en"] == "Uttaradit" and not listed["uttaradit"]["user"]
    assert listed["อุตรดิตถ์ของเรา"]["user"]
    page = web.get("/").text
    assert 'data-testid="preset-select"' in page


def test_user_preset_chosen_by_name_renders(web, settings, clip3):
    user_preset("mine", '[preset]\nextends = "uttaradit"\nname = "mine"\n'
                        '[naming]\ntemplate = "ของเรา อำเภอ{district}จังหวัด{province}"\n'
                        'extension = ".mkv"\n')
    name = web.get("/api/name", params={"district": "พิชัย", "province": "อุตรดิตถ์",
                                        "preset": "mine"}).json()
    assert name["file_name"] == "ของเรา อำเภอพิชัยจังหวัดอุตรดิตถ์.mkv"
    clip = send(web, clip3).json()
    job = web.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย", "preset": "mine",
                                      "end": "1.5"})
    assert job.status_code == 201, job.text
    from test_web_api import wait_final

    done = wait_final(web, job.json()["id"])
    assert done["status"] == "done", done
    assert Path(done["output"]) == settings.output_dir / "ของเรา อำเภอพิชัยจังหวัดอุตรดิตถ์.mkv"
    assert Path(done["output"]).is_file()


def test_the_page_chooses_a_preset_from_the_list(settings):
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from playwright.sync_api import sync_playwright

    from overlay.web.server import start_in_thread

    from web_support import CHROMIUM_ARGS, chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium on this machine")
    user_preset("mine", '[preset]\nextends = "uttaradit"\nname = "mine"\n'
                        '[naming]\ntemplate = "ของเรา อำเภอ{district}จังหวัด{province}"\n')
    running = start_in_thread(settings)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(running.url)
            select = page.get_by_test_id("preset-select")
            page.wait_for_selector("#preset option[value=mine]", state="attached")
            assert select.evaluate("s => [...s.options].map(o => o.value)")[:3] == ["", "base", "uttaradit"]
            page.get_by_test_id("district-filter").fill("พิชัย")
            page.get_by_test_id("district-select").select_option("พิชัย")
            name = page.get_by_test_id("file-name")
            page.wait_for_selector("#file-name:has-text('อำเภอพิชัย')")
            assert name.text_content().startswith("ธนาคารขยะ")
            select.select_option("mine")
            page.wait_for_selector("#file-name:has-text('ของเรา')")
            assert name.text_content() == "ของเรา อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"
            browser.close()
    finally:
        running.stop()


def test_overlay_presets_lists_the_users_own_and_says_which_is_broken(tmp_path):
    """What the page may choose, the CLI lists: the user's own presets too, a broken one in a line."""
    from typer.testing import CliRunner

    from overlay.cli.main import app

    mine = user_preset("ของอำเภอ", '[preset]\nextends = "uttaradit"\nname = "ของอำเภอ"\n'
                                    'description = "ของเราเอง"\n')
    broken = user_preset("พัง", '[naming]\nextension = "/../X.mp4"\n')
    try:
        result = CliRunner().invoke(app, ["presets"])
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        own = [line for line in lines if line.startswith("ของอำเภอ")]
        assert own and "ของเราเอง" in own[0] and str(mine.parent) in own[0]
        said = [line for line in lines if line.startswith("พัง")]
        assert len(said) == 1 and "X.mp4" in said[0]
        assert any(line.startswith("uttaradit") for line in lines)
    finally:
        mine.unlink()
        broken.unlink()
