"""The text to paste into YouTube's upload form: title, description, chapters."""

from __future__ import annotations

from overlay.report.model import CHAPTER_TITLES, FORM, TOPICS, Report
from overlay.timecode import format_time

TITLE_LIMIT = 100          # YouTube's limits
DESCRIPTION_LIMIT = 5000


def _part1_lines(report: Report) -> list[str]:
    items = FORM[0].sections[0].items
    lines = [f"อำเภอ{report.district} จังหวัด{report.province}"]
    for item in items:
        unit = f" {item.unit}" if item.unit else ""
        lines.append(f"{item.question.replace('จำนวน', '', 1)}: {report.answer(item)}{unit}")
    return lines


def description(report: Report) -> str:
    lines = ["ถอดบทเรียนธนาคารขยะต้นแบบ (Best Practice) ระดับอำเภอ", "", *_part1_lines(report),
             "", "เนื้อหาในคลิป"]
    if report.chapters:
        lines += [f"{format_time(c.start)} {c.title}" for c in report.chapters]
    else:
        lines += [f"{number} {CHAPTER_TITLES[key]}" for key, number in TOPICS]
    # YouTube refuses a description with angle brackets.
    text = "\n".join(lines).replace("<", "‹").replace(">", "›")
    return text[:DESCRIPTION_LIMIT]


def youtube_text(report: Report, title: str) -> str:
    return f"ชื่อวิดีโอ (Title)\n{title[:TITLE_LIMIT]}\n\nคำอธิบาย (Description)\n{description(report)}\n"
