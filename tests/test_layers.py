"""The one-way pipeline, enforced: every import inside the package (at module top, inside
functions, under TYPE_CHECKING) points down the layer table, and none closes a loop.

A layer may import its own layer and those below it; a module's layer is the longest
prefix of its dotted name that the table lists. Within a layer, imports must not form a
cycle (checked for the whole package at once).
"""

from __future__ import annotations

import ast
from pathlib import Path

import overlay

# Lowest first. A new module must be placed here; the test says so when one is not.
LAYERS: dict[str, tuple[str, ...]] = {
    # what everything may use: no knowledge of video, names or logos
    "support": ("overlay", "overlay.errors", "overlay.i18n", "overlay.resources",
                "overlay.store", "overlay.signals", "overlay.winpaths"),
    # the letter's rules, as data and pure functions
    "rules": ("overlay.presets", "overlay.naming", "overlay.gazetteer", "overlay.delivery",
              "overlay.timecode"),
    # one clip in, one file and its receipt out; runs ffmpeg, never prints
    "engine": ("overlay.render", "overlay.engine", "overlay.graph", "overlay.loudness",
               "overlay.runner", "overlay.probe", "overlay.logos", "overlay.logofiles",
               "overlay.subtitles", "overlay.check", "overlay.measure", "overlay.selftest",
               "overlay.thai_breaks", "overlay.detect", "overlay.demo", "overlay.files",
               "overlay.tools", "overlay.receipt", "overlay.jobfields", "overlay.svgsafe"),
    # the user's logo library: checks, normalises and stores what the engine reads
    "library": ("overlay.logolib",),
    # the front doors: command line, page, batch, audit, report, doctor
    "front": ("overlay.__main__", "overlay.cli", "overlay.web", "overlay.batch", "overlay.audit",
              "overlay.report", "overlay.doctor"),
}
RANK = {prefix: rank for rank, prefixes in enumerate(LAYERS.values()) for prefix in prefixes}
PACKAGE = Path(overlay.__file__).parent


def module_name(path: Path) -> str:
    parts = ["overlay", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> int | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        rank = RANK.get(".".join(parts[:end]))
        if rank is not None:
            return rank
    return None


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # ``from overlay import graph`` imports the module overlay.graph
            targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t == "overlay" or t.startswith("overlay."))
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def test_every_module_has_a_layer():
    assert [name for name in modules() if layer(name) is None] == []


def test_no_import_points_up_a_layer():
    upward = sorted(f"{src} ({list(LAYERS)[layer(src)]}) imports {dst} ({list(LAYERS)[layer(dst)]})"
                    for src, targets in graph().items() for dst in targets
                    if layer(dst) is not None and layer(src) is not None and layer(dst) > layer(src))
    assert upward == []


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import loop, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (loop := visit(nxt)):
                return loop
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (loop := visit(start)):
            return loop
    return None


def test_no_import_cycle():
    assert find_cycle(graph()) is None


def test_the_walk_sees_function_level_imports_and_loops():
    """The checker itself can fail: a loop hidden in a function is found."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    edges = graph()
    assert "overlay.subtitles" in edges["overlay.render"]       # imported at module top
    assert "overlay.graph" in edges["overlay.selftest"]
