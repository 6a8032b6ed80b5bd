"""The filled form as a sequence of blocks, shared by the DOCX and PDF writers.

One function decides what the page says and in which order; the writers only decide how
each kind of block looks. Tests read the outputs back against this same sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from overlay.report.model import FORM, TITLE, Kind, Report


class Style(Enum):
    TITLE = "title"
    PART = "part"          # ส่วนที่ ๑ …
    SECTION = "section"    # ๒.๑ …
    QUESTION = "question"  # ๑) … (answer below)
    ANSWER = "answer"      # free text, indented
    LINE = "line"          # ๑.๒ … <answer> แห่ง (answer inline)
    NOTE = "note"


@dataclass(frozen=True)
class Run:
    text: str
    answer: bool = False   # the filled-in part: dotted underline in the DOCX


@dataclass(frozen=True)
class Block:
    style: Style
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def _b(style: Style, *runs: Run | str) -> Block:
    return Block(style, tuple(r if isinstance(r, Run) else Run(r) for r in runs))


def blocks(report: Report) -> tuple[Block, ...]:
    out = [_b(Style.TITLE, TITLE),
           _b(Style.TITLE, f"ระดับอำเภอ อำเภอ{report.district} จังหวัด{report.province}")]
    for part in FORM:
        out.append(_b(Style.PART, f"ส่วนที่ {part.number} {part.heading}"))
        for section in part.sections:
            if section.number:
                out.append(_b(Style.SECTION, f"{section.number} {section.heading}"))
            for item in section.items:
                answer = report.answer(item)
                if item.kind is Kind.LONG or item.kind is Kind.URL:
                    out.append(_b(Style.QUESTION, f"{item.number} {item.question}"))
                    out.extend(_b(Style.ANSWER, Run(line, True))
                               for line in answer.splitlines() if line.strip())
                elif item.key == "lao":
                    out.append(_b(Style.LINE, f"{item.number} {item.question} ", Run(answer, True),
                                  " อำเภอ", Run(report.district, True)))
                else:
                    tail = (f" {item.unit}",) if item.unit else ()
                    out.append(_b(Style.LINE, f"{item.number} {item.question} ",
                                  Run(answer, True), *tail))
    out.append(_b(Style.NOTE, f"หมายเหตุ : รายงานให้สำนักงานส่งเสริมการปกครองท้องถิ่น"
                              f"จังหวัด{report.province}ทราบ ผ่านทางไปรษณีย์อิเล็กทรอนิกส์"))
    return tuple(out)
