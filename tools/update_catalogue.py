#!/usr/bin/env python3
"""Regenerate the message catalogue: overlay.pot, merge into th/overlay.po, compile overlay.mo.

Run it from anywhere after adding or changing a ``_("…")`` message in ``overlay/``:

    python tools/update_catalogue.py          # update .pot, .po and .mo
    python tools/update_catalogue.py --check  # change nothing; exit 1 if a message is new,
                                              # gone or without Thai, or the .mo is stale
                                              # (moved line numbers alone do not count)

Then open ``overlay/locale/th/LC_MESSAGES/overlay.po``, fill in every empty ``msgstr ""``
(and check every entry marked ``#, fuzzy``: its Thai was copied from a similar older message;
delete the ``fuzzy`` line once it is right), and run the script again so that the ``.mo`` is
compiled. Commit the three files together.

Only the standard library is used (``ast`` for extraction, a small PO reader/writer and an
``.mo`` writer in the GNU format that ``gettext`` reads), so nothing has to be installed.

What is extracted:

* the first argument of every ``_(…)`` call that is a string literal (implicitly concatenated
  literals are one literal to ``ast``);
* ``_("…")`` / ``_('…')`` calls in the web page's Jinja2 templates
  (``overlay/**/templates/**/*.html``);
* in a module that translates exception text at run time (``_(str(exc))``), the literal
  message of every ``ValueError("…")`` it raises: those reasons reach ``_()`` too.

Translations of messages that left the code are kept at the end of the ``.po`` as obsolete
(``#~``) entries, so that a reworded message can reuse them (as a fuzzy suggestion).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import struct
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "overlay"
LOCALE = PACKAGE / "locale"
DOMAIN = "overlay"
POT = LOCALE / f"{DOMAIN}.pot"
LANGUAGES = ("th",)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


# ---------------------------------------------------------------- extraction

@dataclass
class Message:
    msgid: str
    msgstr: str = ""
    references: list[str] = field(default_factory=list)   # "overlay/cli.py:44"
    comments: list[str] = field(default_factory=list)     # translator comments, "# …"
    auto_comments: list[str] = field(default_factory=list)  # extracted, "#. …"
    flags: list[str] = field(default_factory=list)        # "fuzzy", "python-brace-format"
    previous: str | None = None                           # "#| msgid" of a fuzzy match
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and not self.fuzzy


def _is_literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _translates_exceptions(tree: ast.AST) -> bool:
    """True if the module calls ``_(str(…))``."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                and node.args and isinstance(node.args[0], ast.Call)
                and isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "str"):
            return True
    return False


def extract(package: Path = PACKAGE) -> dict[str, Message]:
    """Every translatable message under ``package``, in file and line order."""
    messages: dict[str, Message] = {}

    def add(text: str, ref: str, note: str | None = None) -> None:
        msg = messages.setdefault(text, Message(text))
        if ref not in msg.references:
            msg.references.append(ref)
        if note and note not in msg.auto_comments:
            msg.auto_comments.append(note)

    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found: list[tuple[int, str, str | None]] = []
        dynamic = _translates_exceptions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "_" and _is_literal(node.args[0]):
                found.append((node.lineno, node.args[0].value, None))
            elif (dynamic and isinstance(func, ast.Name) and func.id == "ValueError"
                  and _is_literal(node.args[0])):
                found.append((node.lineno, node.args[0].value,
                              "a reason raised as ValueError and shown through _(str(exc))"))
        for lineno, text, note in sorted(found, key=lambda f: f[0]):
            if text:
                add(text, f"{rel}:{lineno}", note)
    for path in sorted(package.rglob("templates/**/*.html")):
        rel = path.relative_to(package.parent).as_posix()
        for lineno, text in template_messages(path.read_text(encoding="utf-8")):
            add(text, f"{rel}:{lineno}")
    return messages


# A Jinja2 call _("…") or _('…') with a plain literal (no escapes inside), as the web
# templates write them; the page draws them through the same catalogue.
_TEMPLATE_CALL = re.compile(r"""(?<![\w.])_\(\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\)""")


def template_messages(text: str) -> list[tuple[int, str]]:
    """(line, message) of every ``_("…")`` in a template, in order."""
    found = []
    for match in _TEMPLATE_CALL.finditer(text):
        message = match.group(1) if match.group(1) is not None else match.group(2)
        if message:
            found.append((text.count("\n", 0, match.start()) + 1, message))
    return found


# ---------------------------------------------------------------- placeholders

def placeholders(text: str) -> Counter[str]:
    """The replacement fields of a str.format string, as written: {name}, {t:.1f}, {value!r}."""
    fields: Counter[str] = Counter()
    for _literal, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        fields["{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"] += 1
    return fields


# ---------------------------------------------------------------- PO reading / writing

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def _quote(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
                  .replace("\r", "\\r").replace("\n", "\\n")) + '"'


def read_po(path: Path) -> tuple[Message | None, dict[str, Message]]:
    """(header entry, messages by msgid) of a PO file; obsolete entries included."""
    if not path.exists():
        return None, {}
    return parse_po(path.read_text(encoding="utf-8"), str(path))


def parse_po(text: str, name: str = "<po>") -> tuple[Message | None, dict[str, Message]]:
    entries: list[Message] = []
    cur: Message | None = None
    key: str | None = None
    parts: dict[str, list[str]] = {}

    def finish() -> None:
        nonlocal cur, key, parts
        if cur is not None and "msgid" in parts:
            cur.msgid = "".join(parts["msgid"])
            cur.msgstr = "".join(parts.get("msgstr", []))
            if "prev" in parts:
                cur.previous = "".join(parts["prev"])
            entries.append(cur)
        cur, key, parts = None, None, {}

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            finish()
            continue
        if cur is None:
            cur = Message("")
        obsolete = line.startswith("#~")
        if obsolete:
            cur.obsolete = True
            line = line[2:].strip()
        if line.startswith("#|"):
            rest = line[2:].strip()
            if rest.startswith("msgid "):
                key = "prev"
                parts["prev"] = [_unquote(rest[6:])]
            elif rest.startswith('"') and key == "prev":
                parts["prev"].append(_unquote(rest))
            continue
        if line.startswith("#,"):
            cur.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
        elif line.startswith("#:"):
            cur.references += line[2:].split()
        elif line.startswith("#."):
            cur.auto_comments.append(line[2:].strip())
        elif line.startswith("#"):
            cur.comments.append(line[1:].strip())
        elif line.startswith("msgid "):
            if "msgid" in parts:        # a new entry without a blank line before it
                finish()
                cur = Message("")
            key = "msgid"
            parts[key] = [_unquote(line[6:])]
        elif line.startswith("msgstr "):
            key = "msgstr"
            parts[key] = [_unquote(line[7:])]
        elif line.startswith('"') and key is not None:
            parts[key].append(_unquote(line))
        else:
            raise ValueError(f"{name}: cannot read line {raw!r}")
    finish()

    header = None
    messages: dict[str, Message] = {}
    for entry in entries:
        if entry.msgid == "" and not entry.obsolete:
            header = entry
        elif entry.msgid not in messages or not entry.obsolete:
            messages[entry.msgid] = entry
    return header, messages


def _string_lines(keyword: str, text: str, prefix: str = "") -> list[str]:
    """``msgid "…"``, split after each \\n like GNU gettext does, so diffs stay readable."""
    pieces = re.findall(r".*?\n|.+$", text, flags=re.S) if text else [""]
    if len(pieces) == 1:
        return [f"{prefix}{keyword} {_quote(pieces[0])}"]
    return [f'{prefix}{keyword} ""'] + [f"{prefix}{_quote(p)}" for p in pieces]


def format_entry(msg: Message, with_references: bool = True) -> str:
    lines = [f"# {c}".rstrip() for c in msg.comments]
    lines += [f"#. {c}" for c in msg.auto_comments]
    if with_references and msg.references:
        lines.append("#: " + " ".join(msg.references))
    flags = sorted(set(msg.flags), key=lambda f: (f != "fuzzy", f))
    if flags:
        lines.append("#, " + ", ".join(flags))
    if msg.previous is not None:
        lines += _string_lines("msgid", msg.previous, "#| ")
    prefix = "#~ " if msg.obsolete else ""
    lines += _string_lines("msgid", msg.msgid, prefix)
    lines += _string_lines("msgstr", msg.msgstr, prefix)
    return "\n".join(lines)


def _header(lang: str | None) -> Message:
    fields = [
        ("Project-Id-Version", "overlay"),
        ("Report-Msgid-Bugs-To", ""),
        ("Language", lang or ""),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", "nplurals=1; plural=0;" if lang == "th" else "nplurals=INTEGER; plural=EXPRESSION;"),
        ("Generated-By", "tools/update_catalogue.py"),
    ]
    msg = Message("", "".join(f"{k}: {v}\n" for k, v in fields))
    if lang:
        msg.comments = [f"{'Thai' if lang == 'th' else lang} messages for overlay.",
                        "Edit the msgstr lines, keep every {placeholder} exactly as in msgid,",
                        "then run: python tools/update_catalogue.py"]
    else:
        msg.comments = ["Messages of overlay; generated by tools/update_catalogue.py, do not edit."]
    return msg


def render_po(header: Message, messages: list[Message]) -> str:
    return "\n\n".join(format_entry(m) for m in [header, *messages]) + "\n"


def build_pot(extracted: dict[str, Message]) -> str:
    entries = []
    for msg in extracted.values():
        entry = Message(msg.msgid, references=msg.references, auto_comments=msg.auto_comments)
        if placeholders(msg.msgid):
            entry.flags.append("python-brace-format")
        entries.append(entry)
    return render_po(_header(None), entries)


def merge(extracted: dict[str, Message], old: dict[str, Message]) -> list[Message]:
    """The .po entries for the extracted messages, translations taken from ``old``.

    A message with no translation yet gets the Thai of the most similar old message, marked
    fuzzy (not compiled into the .mo, and reported by --check) so that a person reviews it.
    """
    merged: list[Message] = []
    spare = {k: m for k, m in old.items() if m.msgstr and k not in extracted}
    for msgid, ext in extracted.items():
        prev = old.get(msgid)
        entry = Message(msgid, references=list(ext.references), auto_comments=list(ext.auto_comments))
        if placeholders(msgid):
            entry.flags.append("python-brace-format")
        if prev is not None and prev.msgstr:
            entry.msgstr = prev.msgstr
            entry.comments = list(prev.comments)
            if prev.fuzzy and not prev.obsolete:      # still waiting for a review
                entry.flags.append("fuzzy")
                entry.previous = prev.previous
        else:
            close = difflib.get_close_matches(msgid, list(spare), n=1, cutoff=0.8)
            if close:
                entry.msgstr = spare[close[0]].msgstr
                entry.flags.append("fuzzy")
                entry.previous = close[0]
        merged.append(entry)
    for msgid, prev in old.items():
        if msgid not in extracted and prev.msgstr:
            merged.append(Message(msgid, prev.msgstr, comments=list(prev.comments), obsolete=True))
    return merged


# ---------------------------------------------------------------- .mo

def compile_mo(header: Message | None, messages: dict[str, Message]) -> bytes:
    """GNU .mo bytes for the translated, non-fuzzy, non-obsolete entries (as msgfmt writes)."""
    catalog = {m.msgid: m.msgstr for m in messages.values() if m.translated and not m.obsolete}
    if header is not None:
        catalog[""] = header.msgstr
    keys = sorted(catalog)
    ids = [k.encode("utf-8") for k in keys]
    strs = [catalog[k].encode("utf-8") for k in keys]
    n = len(keys)
    key_start = 7 * 4
    value_start = key_start + n * 8
    data_start = value_start + n * 8
    offsets = []
    blob = b""
    for s in ids:
        offsets.append((len(s), data_start + len(blob)))
        blob += s + b"\0"
    for s in strs:
        offsets.append((len(s), data_start + len(blob)))
        blob += s + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, key_start, value_start, 0, 0)
    out += b"".join(struct.pack("<2I", length, off) for length, off in offsets)
    return out + blob


# ---------------------------------------------------------------- driver

def plan() -> dict[Path, bytes]:
    """The bytes every catalogue file should have, from the code and the current .po files."""
    extracted = extract()
    files: dict[Path, bytes] = {POT: build_pot(extracted).encode("utf-8")}
    for lang in LANGUAGES:
        old_header, old = read_po(po_path(lang))
        header = _header(lang)
        if old_header is not None:
            header.comments = old_header.comments or header.comments
        merged = merge(extracted, old)
        files[po_path(lang)] = render_po(header, merged).encode("utf-8")
        files[mo_path(lang)] = compile_mo(header, {m.msgid: m for m in merged if not m.obsolete})
    return files


def untranslated(po_text: str, extracted: dict[str, Message]) -> list[str]:
    """Messages in the code with no reviewed (non-empty, non-fuzzy) translation in the PO text."""
    _h, po = parse_po(po_text)
    return [k for k in extracted if k not in po or po[k].obsolete or not po[k].translated]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file is stale or a message is untranslated")
    args = parser.parse_args(argv)

    extracted = extract()
    files = plan()
    stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
    if args.check:
        # Line numbers move whenever someone edits the code: only other changes count.
        stale = [p for p in stale if not p.exists() or _content(p.read_bytes()) != _content(files[p])]
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)}")
    else:
        for p in stale:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(files[p])
            print(f"wrote {p.relative_to(ROOT)}")

    total = len(extracted)
    status = 0
    for lang in LANGUAGES:
        missing = untranslated(files[po_path(lang)].decode("utf-8"), extracted)
        print(f"{lang}: {total - len(missing)}/{total} messages translated")
        for msgid in missing:
            print(f"  needs translation: {msgid!r}")
        status |= bool(missing)
    return 1 if (stale and args.check) or status else 0


def _content(data: bytes) -> bytes:
    """A PO/POT file without its "#:" source references (an .mo is unchanged)."""
    return re.sub(rb"(?m)^#: .*\n", b"", data)


if __name__ == "__main__":
    sys.exit(main())
