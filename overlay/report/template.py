"""The data file ``report init`` writes: every question of the form as a Thai comment."""

from __future__ import annotations

import json

from overlay.report.model import CHAPTER_TITLES, FORM, TITLE, TOPICS, Item, Kind


def toml_string(value: str) -> str:
    # A JSON string with ensure_ascii=False is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _value(item: Item, known: dict[str, str]) -> str:
    if item.key in known:
        return toml_string(known[item.key])
    return '"""\n"""' if item.kind is Kind.LONG else '""'


def _hint(item: Item) -> str:
    if item.kind is Kind.COUNT:
        return f"# ({item.unit}) ตัวเลขไทยหรืออารบิก เช่น \"๑,๒๐๐\" หรือ 1200"
    if item.kind is Kind.AMOUNT:
        return f"# ({item.unit}) มีทศนิยมได้ เช่น \"๑๒,๕๐๐.๕๐\" หรือ 12500.50"
    if item.kind is Kind.URL:
        return "# เช่น https://www.youtube.com/watch?v=… หรือ https://youtu.be/… หรือ …/shorts/…"
    if item.kind is Kind.LONG:
        return '# เขียนได้หลายบรรทัดระหว่าง """ กับ """'
    return ""


def render_template(province: str, district: str, lao: str = "", lao_confirmed: bool = True) -> str:
    """The TOML text for a new report, with what the preset knows filled in."""
    known = {"province": province, "district": district}
    if lao and lao_confirmed:      # an unconfirmed placeholder must not pass as an answer
        known["lao"] = lao
    out = [
        f"# {TITLE} ระดับอำเภอ",
        "# ข้อมูลสำหรับ 'overlay report build': กรอกคำตอบในเครื่องหมายคำพูด แล้วบันทึกเป็น UTF-8",
        "",
        "[report]",
        '# ตัวเลขในรายงาน: "thai" (๑,๒๐๐) หรือ "arabic" (1,200)',
        'digits = "thai"',
    ]
    for part in FORM:
        table = part.sections[0].items[0].table
        out += ["", f"[{table}]", f"# ส่วนที่ {part.number} {part.heading}"]
        if table == "part1":
            out += ["# อำเภอ (ตรวจกับทะเบียนชื่ออำเภอ/จังหวัด; ใช้เป็นชื่อไฟล์)",
                    f"district = {toml_string(district)}",
                    "# จังหวัด", f"province = {toml_string(province)}"]
        for section in part.sections:
            if section.number:
                out += ["", f"# {section.number} {section.heading}"]
            for item in section.items:
                out.append(f"# {item.number} {item.question}")
                if item.key == "lao" and lao and not lao_confirmed:
                    out.append(f"# ค่าตั้งต้นใน preset (ยังไม่ยืนยัน): {lao}")
                if hint := _hint(item):
                    out.append(hint)
                out.append(f"{item.key} = {_value(item, known)}")
    out += ["", "[chapters]",
            "# ไม่บังคับ: เวลาเริ่มของแต่ละหัวข้อในคลิป (นาที:วินาที) ใช้ทำบท (chapters) ใน YouTube",
            "# หัวข้อแรกควรเริ่ม 0:00 (ถ้าเริ่มช้ากว่านั้น จะมีบท \"บทนำ\" ที่ 0:00 ให้)",
            "# แต่ละบทยาวอย่างน้อย ๑๐ วินาที"]
    for key, number in TOPICS:
        out += [f"# {number} {CHAPTER_TITLES[key]}", f'{key} = ""']
    return "\n".join(out) + "\n"
