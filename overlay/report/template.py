"""The data file ``report init`` writes: every question of the form as a Thai comment."""

from __future__ import annotations

import json
from typing import Any, Mapping

from overlay.report.model import (
    CHAPTER_TITLES,
    DIGITS,
    FORM,
    TITLE,
    TOPICS,
    Item,
    Kind,
    all_items,
    answer_of,
)


def toml_string(value: str) -> str:
    # A JSON string with ensure_ascii=False is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def toml_multiline(value: str) -> str:
    """A TOML multi-line basic string that reads back as ``value`` (its lines stay lines)."""
    lines = [toml_string(line)[1:-1] for line in value.split("\n")]   # escapes \ " and controls
    return '"""\n' + "\n".join(lines) + '"""'


def _value(item: Item, known: Mapping[str, Any]) -> str:
    value = known.get(item.key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or (item.kind is not Kind.LONG and not value):
        return '"""\n"""' if item.kind is Kind.LONG else '""'
    return toml_multiline(value) if item.kind is Kind.LONG else toml_string(value)


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


def _table(answers: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = answers.get(name)
    return table if isinstance(table, Mapping) else {}


def render_template(province: str, district: str, lao: str = "", lao_confirmed: bool = True,
                    answers: Mapping[str, Any] | None = None) -> str:
    """The TOML text for a report, with what the preset knows filled in.

    ``answers`` (a data file's tables, e.g. the web page's draft) fills every answer given:
    the same file ``report init`` writes, for ``report build`` or the page to read back.
    """
    answers = answers or {}
    known: dict[str, Any] = {item.key: answer_of(answers, item) for item in all_items()
                             if answer_of(answers, item) is not None}
    known.update(province=province, district=district)
    if lao and lao_confirmed and not known.get("lao"):   # an unconfirmed placeholder is no answer
        known["lao"] = lao
    chapters = _table(answers, "chapters")
    digits = str(_table(answers, "report").get("digits"))
    digits = digits if digits in DIGITS else "thai"
    out = [
        f"# {TITLE} ระดับอำเภอ",
        "# ข้อมูลสำหรับ 'overlay report build': กรอกคำตอบในเครื่องหมายคำพูด แล้วบันทึกเป็น UTF-8",
        "",
        "[report]",
        '# ตัวเลขในรายงาน: "thai" (๑,๒๐๐) หรือ "arabic" (1,200)',
        f"digits = {toml_string(digits)}",
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
        start = chapters.get(key)
        start = str(start) if isinstance(start, int) and not isinstance(start, bool) else start
        out += [f"# {number} {CHAPTER_TITLES[key]}",
                f"{key} = {toml_string(start if isinstance(start, str) else '')}"]
    return "\n".join(out) + "\n"
