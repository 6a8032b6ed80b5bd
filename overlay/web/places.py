"""Province and district lists from the gazetteer, and the mandated file name, live."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request

from overlay.errors import OverlayError
from overlay.gazetteer import BANGKOK, gazetteer
from overlay.naming import check_names
from overlay.presets import available, by_name, choose_preset, load_preset, names
from overlay.render import output_name
from overlay.web.features import Feature

router = APIRouter(prefix="/api")


@lru_cache(maxsize=1)
def places() -> list[dict[str, Any]]:
    """Every province (the presets' first) with its districts (the presets' first)."""
    presets = [load_preset(str(path)) for path in available()]
    listed = {p.province: p for p in presets if p.province}
    out = []
    for province in gazetteer().provinces:
        if province.name_th == BANGKOK:          # no อำเภอ: the mandated name cannot name it
            continue
        preset = listed.get(province.name_th)
        entries = {e.name: e for e in preset.districts.values()} if preset else {}
        districts = [{"th": d.name_th, "en": d.name_en or "", "preset": d.name_th in entries,
                      "lao": entries[d.name_th].lao if d.name_th in entries else ""}
                     for d in province.districts]
        districts.sort(key=lambda d: not d["preset"])       # stable: gazetteer order otherwise
        out.append({"th": province.name_th, "en": province.name_en or "",
                    "preset": preset is not None, "districts": districts})
    out.sort(key=lambda p: not p["preset"])
    return out


@router.get("/places")
def list_places() -> dict[str, Any]:
    return {"provinces": places(), "default_province": choose_preset(None, None).province}


@router.get("/presets")
def list_presets() -> dict[str, Any]:
    """The presets the page may choose by name: the shipped ones and the user's own
    (``presets/*.toml`` in the data folder). No request ever names a preset's file."""
    out = []
    shipped = {p.stem for p in available()}
    for name in names():
        try:
            preset = by_name(name)
        except OverlayError:
            continue            # a user's file that does not load: it says why when chosen by the CLI
        th = f"จังหวัด{preset.province}" if preset.province else preset.description or name
        en = preset.province_en or preset.description or name
        out.append({"name": name, "label_th": th, "label_en": en, "province": preset.province,
                    "user": name not in shipped})
    return {"presets": out, "default": ""}


@router.get("/name")
def file_name(request: Request, district: str, province: str, preset: str = "") -> dict[str, Any]:
    """The file name exactly as the render will write it (names checked by the gazetteer)."""
    place = check_names(district, province)
    chosen = by_name(preset) if preset else choose_preset(None, place.province)
    entry = chosen.district(place.district)
    name = output_name(chosen, place)
    folder = request.app.state.settings.output_dir
    return {"file_name": name, "district": place.district, "province": place.province,
            "district_en": place.district_en, "province_en": place.province_en,
            "lao": entry.lao, "lao_confirmed": entry.lao_confirmed, "preset": chosen.name,
            "output_dir": str(folder), "exists": (folder / name).exists()}


feature = Feature(router=router)
