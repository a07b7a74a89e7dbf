"""docs/architecture.md is kept true (issue #15): every path it names exists, and every top-level package and module
of `src/jingsu` is named in it — a new package cannot appear without its place on the floor plan, and a moved one
cannot leave a stale line behind."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
SRC = ROOT / "src" / "jingsu"
TOP = sorted(p.name for p in SRC.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.name != "__init__.py"))
#: `pkg/module.py` or `pkg/sub/` written in the text, for a top-level package of jingsu.
_PACKAGES = "|".join(re.escape(n) for n in TOP if "." not in n)
_RELATIVE = re.compile(r"`((?:" + _PACKAGES + r")/[\w/]+(?:\.py|/))`")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_path_the_page_names_exists():
    text = _text()
    named = set(re.findall(r"`(src/jingsu/[\w/.]*)`", text))
    assert named, "the page names no path under src/jingsu"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    relative = {m.group(1) for m in _RELATIVE.finditer(text)}
    missing += sorted(p for p in relative if not (SRC / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_top_level_package_and_module_is_on_the_plan():
    text = _text()
    absent = [name for name in TOP if f"src/jingsu/{name}" not in text]
    assert not absent, f"docs/architecture.md does not place these parts of src/jingsu: {absent}"
