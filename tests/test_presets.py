"""Preset loading, inheritance and precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from overlay.errors import PresetError
from overlay.logofiles import district_logos
from overlay.presets import available, deep_merge, load_preset

UTTARADIT = ["เมืองอุตรดิตถ์", "ตรอน", "ท่าปลา", "น้ำปาด", "ฟากท่า", "บ้านโคก", "พิชัย", "ลับแล", "ทองแสนขัน"]


def test_base_is_the_mandate():
    base = load_preset("base")
    assert base.max_duration == 300
    assert base.logo_order == ("moi", "dla", "volunteers", "sdg", "province", "district", "lao")
    assert base.encode.profile().preset == "veryfast"
    assert set(base.encode.profiles) == {"draft", "standard", "high"}


def test_uttaradit_extends_base_with_nine_districts():
    p = load_preset("uttaradit")
    assert p.province == "อุตรดิตถ์" and p.province_en == "Uttaradit"
    assert list(p.districts) == UTTARADIT
    assert p.max_duration == 300                          # inherited
    assert p.logos["province"] == "uttaradit/province.png"  # overridden
    assert p.logos["moi"] == "moi.png"                     # inherited


@pytest.mark.parametrize("name", ["พิชัย", "อำเภอพิชัย", "Phichai", "phichai"])
def test_district_lookup(name):
    assert load_preset("uttaradit").district(name).name == "พิชัย"


def test_every_shipped_logo_resolves():
    for path in available():
        preset = load_preset(str(path))
        for entry in list(preset.districts.values()) or [preset.district("x")]:
            refs = district_logos(preset, entry)
            assert [r.key for r in refs] == list(preset.logo_order)
            assert all(r.path.is_file() for r in refs)


def test_user_preset_extends_and_overrides(tmp_path: Path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "lao.png").write_bytes(b"")  # existence is all resolve checks
    user = tmp_path / "mine.toml"
    user.write_text('[preset]\nextends = "uttaradit"\nname = "mine"\n[limits]\nmax_duration = 120\n'
                    '[districts."พิชัย"]\nlao = "เทศบาลตำบลในเมือง"\n'
                    'logos = { lao = "mine/lao.png" }\n', encoding="utf-8")
    p = load_preset(str(user))
    assert p.name == "mine" and p.max_duration == 120
    entry = p.district("พิชัย")
    assert entry.lao == "เทศบาลตำบลในเมือง" and entry.lao_confirmed
    assert entry.name_en == "Phichai"                       # kept from the parent
    refs = {r.key: r.path for r in district_logos(p, entry)}
    assert refs["lao"] == tmp_path / "mine" / "lao.png"     # beside the user's preset
    assert refs["district"].name == "district.png"           # still the shipped one


def test_logo_dir_comes_first(tmp_path: Path):
    (tmp_path / "moi.svg").write_text("<svg/>")
    p = load_preset("uttaradit")
    refs = {r.key: r.path for r in district_logos(p, p.district("ตรอน"), (tmp_path,))}
    assert refs["moi"] == tmp_path / "moi.svg"               # any logo extension


def test_unknown_preset_lists_the_builtin_ones():
    with pytest.raises(PresetError) as info:
        load_preset("chiangmai")
    assert "uttaradit" in info.value.line()


def test_missing_logo_names_the_entry(tmp_path: Path):
    user = tmp_path / "p.toml"
    user.write_text('[preset]\nextends = "uttaradit"\n[logos]\ndla = "nowhere/dla.png"\n', encoding="utf-8")
    p = load_preset(str(user))
    with pytest.raises(PresetError) as info:
        district_logos(p, p.district("พิชัย"))
    assert "dla" in info.value.message and "nowhere/dla.png" in info.value.message


def test_bad_toml_is_one_clear_error(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits\nmax_duration = ", encoding="utf-8")
    with pytest.raises(PresetError) as info:
        load_preset(str(bad))
    assert "not valid TOML" in info.value.message


def test_deep_merge_keeps_siblings():
    assert deep_merge({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": 3}}) == {"a": {"x": 1, "y": 3}, "b": 1}
