"""The command line as a user runs it: exit codes, one-line errors, nothing left behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from overlay.cli import app

from conftest import make_clip

runner = CliRunner()
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def one_clean_error(result) -> str:
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def all_commands(typer_app: typer.Typer, prefix=()):
    import typer.main
    group = typer.main.get_command(typer_app)
    def walk(cmd, path):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))
    yield from walk(group, prefix)


def test_every_command_has_help():
    seen = []
    for path, cmd in all_commands(app):
        if path:
            assert (cmd.help or "").strip(), f"{' '.join(path)} has no help"
            seen.append(" ".join(path))
    assert {"render", "check", "preview", "demo", "doctor", "presets", "name"} <= set(seen)


@pytest.mark.parametrize("setup", ["missing", "text", "empty", "folder", "audio_only"])
def test_bad_input_is_one_line_exit_2(tmp_path, media, setup):
    path = tmp_path / "clip.mp4"
    if setup == "text":
        path.write_text("not a video at all\n" * 100)
    elif setup == "empty":
        path.write_bytes(b"")
    elif setup == "folder":
        path.mkdir()
    elif setup == "audio_only":
        path = tmp_path / "sound.m4a"
        subprocess.run([sys.executable, "-c", "pass"])  # keep argument-list style obvious
        from overlay.tools import ffmpeg_exe
        subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=2", str(path)], check=True)
    out = tmp_path / "out"
    result = run("render", path, "-d", "พิชัย", "-o", out)
    assert result.exit_code == 2, result.output
    line = one_clean_error(result)
    assert path.name in line
    assert not out.exists() or list(out.iterdir()) == []


def test_unknown_district_suggests(clip3, tmp_path):
    result = run("render", clip3, "-d", "พิไชย", "-o", tmp_path)
    assert result.exit_code == 2
    assert 'Did you mean "พิชัย"' in one_clean_error(result)


def test_unknown_preset(clip3, tmp_path):
    result = run("render", clip3, "-d", "พิชัย", "-p", "nowhere", "-o", tmp_path)
    assert result.exit_code == 2
    assert "uttaradit" in one_clean_error(result)


def test_unwritable_output_folder(clip3, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("render", clip3, "-d", "พิชัย", "-o", blocker / "out")
    assert result.exit_code == 2
    assert "output folder" in one_clean_error(result)


def test_bad_time(clip3, tmp_path):
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path, "--start", "abc")
    assert result.exit_code == 2 and "not a time" in one_clean_error(result)


def test_start_past_end_of_clip(clip3, tmp_path):
    result = run("render", clip3, "-d", "พิชัย", "-o", tmp_path, "--start", "0:10")
    assert result.exit_code == 2 and "past the end" in one_clean_error(result)


def test_name_command():
    result = run("name", "--district", "อำเภอพิชัย", "--province", "Uttaradit")
    assert result.exit_code == 0 and result.stdout.strip() == NAME
    typo = run("name", "--district", "พิชัย", "--province", "อุดรดิตถ์")
    assert typo.exit_code == 2 and "อุตรดิตถ์" in one_clean_error(typo)


def test_name_list():
    result = run("name", "--list", "--province", "อุตรดิตถ์")
    assert result.exit_code == 0 and len(result.stdout.strip().splitlines()) == 9
    assert len(run("name", "--list").stdout.strip().splitlines()) == 77


def test_presets_lists_districts():
    result = run("presets")
    assert result.exit_code == 0
    for district in ("เมืองอุตรดิตถ์", "ทองแสนขัน", "พิชัย"):
        assert district in result.stdout


def test_doctor_names_ffmpeg_and_placeholders():
    result = run("doctor")
    assert result.exit_code == 0, result.output
    assert "ffmpeg" in result.stdout and "libx264" in result.stdout
    assert "placeholders" in result.stdout and "uttaradit/phichai/district.png" in result.stdout


def test_check_refuses_a_raw_clip(clip3):
    result = run("check", clip3)
    assert result.exit_code == 1
    assert "name" in result.stdout and "NOT compliant" in result.stdout


def test_demo_end_to_end(tmp_path):
    result = run("demo", "--out-dir", tmp_path, "--seconds", "3")
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()).name == NAME
    assert (tmp_path / NAME).is_file() and (tmp_path / "demo-preview.png").is_file()


def test_python_dash_m_and_version():
    done = subprocess.run([sys.executable, "-m", "overlay", "--version"], capture_output=True, text=True,
                          encoding="utf-8")
    assert done.returncode == 0 and done.stdout.startswith("overlay ")


def test_thai_and_hostile_paths_round_trip(tmp_path, media, logo_dir):
    odd = tmp_path / "-คลิป ของ'อำเภอ; [1], 50% :a.mp4"
    odd.write_bytes(make_clip(media / "for-odd.mp4", seconds=1.5).read_bytes())
    out = tmp_path / "ผลลัพธ์ [final]"
    result = run("render", odd, "-d", "พิชัย", "-o", out, "--logo-dir", logo_dir, "-q", "draft")
    assert result.exit_code == 0, result.output
    assert (out / NAME).is_file()
    assert odd.read_bytes() == (media / "for-odd.mp4").read_bytes()   # input unchanged


def test_doctor_subtitle_selftest_catches_a_missing_font(tmp_path, monkeypatch):
    from overlay import doctor, selftest, subtitles

    monkeypatch.setattr(selftest, "_memo", {})    # this test's fontless verdict stays here
    assert doctor.subtitle_selftest()

    def no_fonts(work: Path) -> dict[str, str]:
        (work / "fonts").mkdir(parents=True)
        conf = work / "fontconfig" / "fonts.conf"
        conf.parent.mkdir()
        conf.write_text(f'<?xml version="1.0"?>\n<fontconfig><cachedir>{conf.parent}</cachedir></fontconfig>\n',
                        encoding="utf-8")
        return {"FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(conf.parent)}

    monkeypatch.setattr(subtitles, "prepare_libass", no_fonts)
    assert not doctor.subtitle_selftest()
    result = run("doctor")
    assert result.exit_code == 1 and "did NOT render" in result.stdout
