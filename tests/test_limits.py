"""One cap on the 5-minute limit, for the render and the check alike (issue 24, point 8)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from overlay.cli.main import app
from overlay.presets import base, length_limit
from tests.conftest import make_clip


def test_a_users_limit_lowers_the_mandate_never_raises_it():
    preset = base()
    assert length_limit(preset) == (300.0, None)
    assert length_limit(preset, 120) == (120, None)
    limit, refused = length_limit(preset, 600)
    assert limit == 300.0
    assert refused is not None and "600" in refused and "300" in refused


@pytest.fixture(scope="module")
def six_minutes(tmp_path_factory):
    # Six minutes cheaply: a tiny picture at one frame a second.
    return make_clip(tmp_path_factory.mktemp("six") / "six.mp4", seconds=360.0, size="64x36", rate="1")


def test_check_max_duration_above_the_mandate_does_not_pass_a_six_minute_clip(six_minutes):
    result = CliRunner().invoke(app, ["check", str(six_minutes), "--max-duration", "600"])
    assert result.exit_code == 1, result.output
    lengths = [line for line in result.stdout.splitlines() if "length" in line]
    assert lengths and all("limit 300 s" in line and "✗" in line for line in lengths), result.stdout
    assert "--max-duration 600 s is above the mandate's 300 s" in result.stderr
