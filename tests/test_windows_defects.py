"""What only Windows shows, each at its seam, on any system: Windows' behaviour is faked where
Linux has none (a file another program holds open, the exit code of a killed child, a
case-insensitive file system, the path-length limit)."""

from __future__ import annotations

import os
from pathlib import Path, PosixPath, PurePath

import pytest
from typer.testing import CliRunner

from overlay import files, runner, winpaths
from overlay.cli import app
from overlay.errors import OverlayError, UsageError

from conftest import make_clip

cli = CliRunner()
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"


def held_open(monkeypatch, victim: str) -> None:
    """Windows' os.replace / os.rename onto (or of) a file that a player, Word or Excel has open."""
    real_replace, real_rename = os.replace, os.rename

    def refuse(real):
        def call(src, dst, *args, **kwargs):
            if victim in (Path(src).name, Path(dst).name):
                raise PermissionError(13, "Access is denied", str(dst))
            return real(src, dst, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "replace", refuse(real_replace))
    monkeypatch.setattr(os, "rename", refuse(real_rename))


# ---------------------------------------------------------------- 1. a file held open

def test_publish_over_an_open_file_is_one_line_and_keeps_the_old_one(tmp_path, monkeypatch):
    final = tmp_path / "clip.mp4"
    final.write_bytes(b"old")
    held_open(monkeypatch, "clip.mp4")
    with pytest.raises(OverlayError) as caught:
        with runner.atomic_output(final, force=True) as temp:
            temp.write_bytes(b"new")
    assert str(final) in caught.value.message and "Close it" in caught.value.line()
    assert final.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]      # no partial left


def test_render_force_over_an_output_open_in_a_player(tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "in.mp4", seconds=1.0)
    out = tmp_path / "out"
    out.mkdir()
    (out / NAME).write_bytes(b"the clip already sent")
    held_open(monkeypatch, NAME)
    result = cli.invoke(app, ["render", str(clip), "--district", "พิชัย", "--preset", "uttaradit",
                              "--out-dir", str(out), "--quality", "draft", "--force"])
    assert result.exit_code == 1, result.output
    assert "another program has it open" in result.output and NAME in result.output
    assert "Traceback" not in result.output and "report" not in result.output.lower()
    assert (out / NAME).read_bytes() == b"the clip already sent"
    assert [p.name for p in out.iterdir()] == [NAME]


def test_write_atomic_over_an_open_document(tmp_path, monkeypatch):
    doc = tmp_path / "แบบรายงาน.docx"
    doc.write_bytes(b"old")
    held_open(monkeypatch, doc.name)
    with pytest.raises(OverlayError, match="another program has it open"):
        files.write_atomic(doc, b"new")
    assert doc.read_bytes() == b"old"


def test_audit_csv_open_in_excel(tmp_path, monkeypatch):
    from overlay.audit.writers import _atomic

    csv = tmp_path / "audit.csv"
    csv.write_bytes(b"old")
    held_open(monkeypatch, "audit.csv")
    with pytest.raises(OverlayError, match="audit.csv cannot be replaced"):
        _atomic(csv, b"new")
    assert csv.read_bytes() == b"old"


def test_audit_renames_go_on_past_a_clip_open_in_a_player(tmp_path, monkeypatch, capsys):
    from overlay.cli.audit import rename_all

    a, b = tmp_path / "a.MP4", tmp_path / "b.MP4"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    held_open(monkeypatch, "a.MP4")
    moved = rename_all([(a, tmp_path / "A1.mp4"), (b, tmp_path / "B1.mp4")])
    assert moved == {b: tmp_path / "B1.mp4"}
    assert a.read_bytes() == b"a" and (tmp_path / "B1.mp4").read_bytes() == b"b"


# ---------------------------------------------------------------- 2. Windows kill codes

KILLED_TAIL = "Stream #0:1 -> #0:1 (aac (native) -> aac (native))\n    encoder         : Lavc63.1.102 aac"


@pytest.mark.parametrize("code", [1, 0xC000013A, 0x40010004, -1073741510])
def test_a_killed_ffmpeg_on_windows_is_said_to_be_stopped(code):
    said = runner.explain_failure(KILLED_TAIL, code, windows=True)
    assert said.startswith("ffmpeg was stopped before it finished"), said


def test_ffmpegs_own_exit_1_on_windows_is_still_its_failure():
    stderr = "Input #0, mov...\n[in#0 @ 0x1] Error opening input: Invalid data found\nConversion failed!"
    said = runner.explain_failure(stderr, 1, windows=True)
    assert said.startswith("ffmpeg failed (exit 1)") and "Conversion failed!" in said


def test_exit_1_on_posix_is_not_a_kill():
    assert runner.explain_failure(KILLED_TAIL, 1, windows=False).startswith("ffmpeg failed (exit 1)")
    assert runner.explain_failure(KILLED_TAIL, -9, windows=False).startswith("ffmpeg was stopped")


# ---------------------------------------------------------------- 3. case-only renames

class CaseInsensitivePath(PosixPath):
    """A path on a case-insensitive file system, as Windows compares and finds them."""

    def __eq__(self, other):
        return isinstance(other, PurePath) and str(self).casefold() == str(other).casefold()

    def __hash__(self):
        return hash(str(self).casefold())

    def _match(self) -> Path | None:
        try:
            return next(p for p in Path(self.parent).iterdir() if p.name.casefold() == self.name.casefold())
        except (OSError, StopIteration):
            return None

    def exists(self, **kwargs) -> bool:
        return self._match() is not None

    def samefile(self, other) -> bool:
        mine, theirs = self._match(), CaseInsensitivePath(other)._match()
        return mine is not None and mine == theirs


def test_plan_renames_fixes_the_case_of_the_extension_on_windows(tmp_path):
    from overlay.cli.audit import plan_renames
    from overlay.gazetteer import gazetteer
    from overlay.presets import load_preset

    upper = tmp_path / (NAME[:-4] + ".MP4")
    upper.write_bytes(b"x")
    clip = CaseInsensitivePath(upper)
    assert clip.with_name(NAME) == clip and clip.with_name(NAME).exists()   # what hid the rename
    plans = plan_renames([clip], gazetteer().province("อุตรดิตถ์"), load_preset("uttaradit"))
    assert [(p.name, t.name if t else None, why) for p, t, why in plans] == [(upper.name, NAME, "")]


def test_plan_renames_never_takes_a_different_file_that_differs_in_case(tmp_path):
    from overlay.cli.audit import plan_renames
    from overlay.gazetteer import gazetteer
    from overlay.presets import load_preset

    (tmp_path / (NAME[:-4] + ".MP4")).write_bytes(b"one")
    (tmp_path / NAME).write_bytes(b"another")            # a case-sensitive disk holds both
    plans = plan_renames([tmp_path / (NAME[:-4] + ".MP4")], gazetteer().province("อุตรดิตถ์"),
                         load_preset("uttaradit"))
    assert plans[0][1] is None and "already exists" in plans[0][2]


def test_a_case_only_rename_goes_through_a_temporary_name(tmp_path, monkeypatch):
    from overlay.cli import audit as cli_audit

    steps = []
    real = os.rename
    monkeypatch.setattr(os, "rename", lambda a, b: (steps.append((Path(a).name, Path(b).name)), real(a, b)))
    clip = tmp_path / "x.MP4"
    clip.write_bytes(b"x")
    cli_audit.rename_clip(clip, tmp_path / "x.mp4")
    assert len(steps) == 2 and steps[0][0] == "x.MP4" and steps[1][1] == "x.mp4"
    assert steps[0][1].startswith(".overlay-rename-")
    assert [p.name for p in tmp_path.iterdir()] == ["x.mp4"]


# ---------------------------------------------------------------- 4. the shipped font

def test_foreign_fonts_reads_libass_font_choice():
    from overlay.selftest import foreign_fonts, shipped_font_names

    shipped = shipped_font_names()
    ours = "[Parsed_subtitles_7 @ 000000000115bd00] fontselect: (Loma, 400, 0) -> Loma, 0, Loma"
    system = r"[Parsed_subtitles_7 @ 0x1] fontselect: (Loma, 700, 0) -> C:\Windows\Fonts\tahomabd.ttf, 0, Tahoma-Bold"
    assert foreign_fonts(ours, shipped) == []
    assert foreign_fonts(f"{ours}\n{system}\n{system}", shipped) == ["Tahoma-Bold"]
    assert foreign_fonts("no fontselect line at all", shipped) == []


def test_the_selftest_fails_when_libass_falls_back_to_another_font(monkeypatch):
    """As on Windows, where DirectWrite finds the system's fonts: the text is drawn, in the wrong font."""
    import shutil

    from overlay import selftest, subtitles
    from overlay.tools import ffmpeg_exe

    real = subtitles.prepare_libass

    def other_font(work: Path) -> dict[str, str]:
        env = real(work)
        fonts = work / subtitles.FONTS_SUBDIR
        for font in fonts.iterdir():
            font.unlink()
        shutil.copy(subtitles.fonts_dir() / "Laksaman.ttf", fonts)   # Thai, drawn, but not ours
        return env

    monkeypatch.setattr(subtitles, "prepare_libass", other_font)
    verdict = selftest.run_selftest(ffmpeg_exe())
    assert not verdict.ok and verdict.subtitles is False
    assert "Laksaman" in verdict.problem and "not the shipped font" in verdict.problem


# ---------------------------------------------------------------- 5. TOML and backslashes

@pytest.mark.parametrize("value", [r"C:\Users\somchai\clip.mp4", r"D:\งาน\clip.mp4"])
def test_a_windows_path_in_double_quotes_says_how_to_write_it(tmp_path, value):
    from overlay.batch.manifest import read_manifest

    manifest = tmp_path / "jobs.toml"
    manifest.write_text(f'[[job]]\nclip = "{value}"\ndistrict = "พิชัย"\n', encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_manifest(manifest)
    assert "single quotes" in caught.value.line() and "C:/" in caught.value.line()


def test_a_preset_with_a_windows_path_says_how_to_write_it(tmp_path):
    from overlay.errors import PresetError
    from overlay.presets import load_preset

    preset = tmp_path / "mine.toml"
    preset.write_text('extends = "uttaradit"\n[logos]\nmoi = "C:\\Users\\logo.png"\n', encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        load_preset(str(preset))
    assert "single quotes" in caught.value.line()


def test_other_toml_mistakes_keep_their_plain_hint():
    import tomllib

    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads('district = "พิชัย\n')
    assert winpaths.toml_backslash_hint(caught.value, 'district = "พิชัย\n') is None


# ---------------------------------------------------------------- 7. system folders, long paths

def test_audit_skips_the_system_folders_of_a_usb_sticks_root(tmp_path):
    from overlay.audit.engine import scan

    for system in ("System Volume Information", "$RECYCLE.BIN"):
        (tmp_path / system).mkdir()
        (tmp_path / system / "IndexerVolumeGuid").write_bytes(b"x")
        (tmp_path / system / "clip.mp4").write_bytes(b"x")
    (tmp_path / "พิชัย").mkdir()
    (tmp_path / "พิชัย" / NAME).write_bytes(b"x")
    found = scan(tmp_path)
    assert found.clips == [tmp_path / "พิชัย" / NAME]
    assert found.ignored == [] and found.unreadable == []


def test_a_path_too_long_for_windows_is_refused_before_any_work():
    deep = Path("C:/" + "/".join(["โฟลเดอร์ของอำเภอ"] * 12)) / NAME
    assert winpaths.path_too_long(deep, windows=True, enabled=False)
    assert not winpaths.path_too_long(deep, windows=True, enabled=True)    # LongPathsEnabled
    assert not winpaths.path_too_long(deep, windows=False)
    assert not winpaths.path_too_long(Path("C:/overlay") / NAME, windows=True, enabled=False)
    error = winpaths.too_long_error(deep)
    assert "characters long; Windows allows 259" in error.message and "\n" not in error.line()


def test_render_refuses_an_out_dir_too_deep_for_windows(tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "in.mp4", seconds=1.0)
    monkeypatch.setattr(winpaths, "path_too_long", lambda p, **k: len(str(p)) > 100)
    monkeypatch.setattr(runner, "path_too_long", winpaths.path_too_long)
    deep = tmp_path / ("ก" * 60)
    result = cli.invoke(app, ["render", str(clip), "--district", "พิชัย", "--preset", "uttaradit",
                              "--out-dir", str(deep), "--quality", "draft"])
    assert result.exit_code == 2, result.output
    assert "Windows allows 259" in result.output
    assert not deep.exists() or list(deep.iterdir()) == []


def test_the_audit_lists_a_too_long_path_as_unreadable_in_one_line(tmp_path, monkeypatch):
    from overlay.audit import engine

    (tmp_path / NAME).write_bytes(b"x")
    monkeypatch.setattr(engine, "path_too_long", lambda p: True)
    found = engine.scan(tmp_path)
    assert found.clips == [] and [p.name for p, _why in found.unreadable] == [NAME]
    assert "path too long for Windows" in found.unreadable[0][1]
