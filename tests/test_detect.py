"""Finding each official logo on its own, in clips laid out by hand (the issue's case).

The seven logos are placed by a plain ffmpeg command, as a CapCut user would: other sizes,
other spacing, another order. ``overlay check`` must find all seven, and name the one left out.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from overlay.check import check_file
from overlay.detect import find_logos, static_overlay
from overlay.logofiles import district_logos
from overlay.presets import load_preset
from overlay.tools import ffmpeg_exe

from conftest import make_clip

COLOURS = {"moi": (200, 30, 40), "dla": (30, 140, 60), "volunteers": (40, 70, 190),
           "sdg": (240, 150, 20), "province": (130, 40, 160), "district": (20, 150, 160),
           "lao": (230, 210, 40)}


def distinct_logo(key: str, size: int = 96) -> Image.Image:
    """A round badge of its own colour with a white mark in its own place."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    draw.ellipse((0, 0, size - 1, size - 1), fill=(*COLOURS[key], 255))
    i = list(COLOURS).index(key)
    s = size // 4
    x, y = s // 2 + (i % 3) * s, s // 2 + (i // 3) * s
    draw.rectangle((x, y, x + s, y + s), fill=(255, 255, 255, 255))
    return im


@pytest.fixture(scope="module")
def distinct_dir(tmp_path_factory) -> Path:
    """A --logo-dir in the shipped layout with seven different logos for อำเภอพิชัย."""
    root = tmp_path_factory.mktemp("distinct")
    preset = load_preset("uttaradit")
    entries = dict(preset.logos)
    entries.update(preset.district("พิชัย").logos)
    for key, entry in entries.items():
        target = root / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        distinct_logo(key).save(target)
    return root


def by_hand(tmp_path: Path, distinct_dir: Path, keys: list[str], name: str) -> Path:
    """The logos overlaid by one plain ffmpeg command: own sizes, gaps and order."""
    preset = load_preset("uttaradit")
    refs = {r.key: r.path for r in district_logos(preset, preset.district("พิชัย"), (distinct_dir,))}
    source = make_clip(tmp_path / "source.mp4", seconds=3, size="640x360", audio=False,
                       source="testsrc2")
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(source)]
    for key in keys:
        args += ["-i", str(refs[key])]
    chain, last, x = [], "0:v", 630
    for n in range(1, len(keys) + 1):
        height = 30 + 6 * (n % 3)                       # 30, 36 or 42 px: not one size
        x -= height + 4 + 3 * (n % 2)                   # uneven gaps
        chain.append(f"[{n}:v]scale=-1:{height}[l{n}]")
        chain.append(f"[{last}][l{n}]overlay={x}:{10 + 2 * (n % 2)}[v{n}]")
        last = f"v{n}"
    args += ["-filter_complex", ";".join(chain), "-map", f"[{last}]", "-c:v", "libx264",
             "-preset", "veryfast", "-pix_fmt", "yuv420p", str(tmp_path / name)]
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL)
    return tmp_path / name


NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"
ORDER = ["lao", "sdg", "moi", "district", "volunteers", "province", "dla"]      # not the letter's


def _logo_lines(receipt):
    return [i for i in receipt.items if i.name.startswith("logos")]


def test_seven_logos_placed_by_hand_are_all_found(tmp_path, distinct_dir):
    clip = by_hand(tmp_path, distinct_dir, ORDER, NAME)
    receipt = check_file(clip, load_preset("uttaradit"), logo_dirs=(distinct_dir,))
    lines = _logo_lines(receipt)
    assert [i.name for i in lines] == ["logos at the start", "logos at the middle", "logos at the end"]
    assert all(i.ok for i in lines), lines
    assert all("all 7 logos found" in i.detail for i in lines)


def test_a_logo_left_out_is_named(tmp_path, distinct_dir):
    clip = by_hand(tmp_path, distinct_dir, [k for k in ORDER if k != "dla"], NAME)
    receipt = check_file(clip, load_preset("uttaradit"), logo_dirs=(distinct_dir,))
    lines = _logo_lines(receipt)
    assert not any(i.ok for i in lines)
    for line in lines:
        assert "6 of 7" in line.detail and "missing: Department of Local Administration" in line.detail


def test_each_logo_found_in_its_own_place_in_a_still_frame(distinct_dir):
    """Pure: a frame with the logos pasted at other sizes; each box where it was put."""
    frame = Image.new("RGBA", (1280, 720), (90, 90, 90, 255))
    placed = {}
    x = 1250
    for n, key in enumerate(ORDER):
        height = 60 + 10 * (n % 4)
        logo = distinct_logo(key, 200).resize((height, height))
        x -= height + 12
        frame.alpha_composite(logo, (x, 40))
        placed[key] = (x, 40, x + height, 40 + height)
    logos = {k: distinct_logo(k, 200) for k in COLOURS}
    found = find_logos(np.asarray(frame.convert("RGB")), logos)
    assert set(found) == set(COLOURS)
    for key, box in placed.items():
        got = found[key].box
        assert all(abs(a - b) <= 6 for a, b in zip(got, box, strict=True)), (key, got, box)


def test_static_overlay_fallback():
    rng = np.random.default_rng(0)
    frames = [np.repeat(np.repeat(rng.integers(0, 255, (18, 32, 3), dtype=np.uint8), 10, 0), 10, 1)
              for _ in range(3)]
    with_overlay = [f.copy() for f in frames]
    for f in with_overlay:
        f[20:60, 200:300] = (255, 255, 255)
    assert static_overlay(with_overlay).present is True
    assert static_overlay(frames).present is False
    assert static_overlay([frames[0]] * 3).present is None          # a still picture: cannot tell
