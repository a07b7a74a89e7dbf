"""Summarise a py-spy profile (`py-spy record --format raw --nolineno`) as text for docs/benchmarks.md.

    .venv/bin/py-spy record --gil --format raw --nolineno --subprocesses -o var/bench/x.txt -- .venv/bin/python bench/….py
    .venv/bin/python bench/spy_summary.py var/bench/x.txt [--top 25] [--under jingsu]

py-spy samples the on-CPU stacks of a running process and its children from outside (no profiler inside the
process, so the figures are the process's own speed, unlike cProfile's). Its raw format is one line per distinct
stack: `frame;frame;…;leaf count`, each frame `function (file)`. This prints, over all samples:

- **self**: the share of samples whose leaf is the function (where the CPU was);
- **inclusive**: the share of samples with the function anywhere on the stack (what it cost with its callees);
- **by area**: the leaf's file mapped to a few areas (jingsu, Django's ORM, the rest of Django, psycopg, templates,
  the standard library…), so that "where the time goes" reads as one line.

Record with `--gil` for a process's own Python CPU: py-spy otherwise counts a thread inside a system call (a socket
read, `os.urandom`) as running, and over-counts those calls — docs/benchmarks.md records a build whose profile put
18 % in `os.urandom` and whose CPU did not move when those calls went. The figures to compare stay the CPU seconds
from /proc that the benches print; a profile says where to look.

Only samples of processes whose stacks contain `--under` (e.g. `jingsu`: the application's processes, not the
bench's own driver) are counted when it is given.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

#: (substring of a frame's file, area), first match wins.
AREAS = (
    ("django/db/models/sql", "Django ORM (SQL compiler)"),
    ("django/db/models", "Django ORM (models, querysets)"),
    ("django/db/backends", "Django database layer"),
    ("django/template", "Django templates"),
    ("django/", "Django (the rest)"),
    ("psycopg", "psycopg"),
    ("redis/", "redis-py"),
    ("celery/", "Celery"),
    ("kombu/", "kombu"),
    ("gunicorn/", "gunicorn"),
    ("urllib3/", "urllib3 / requests"),
    ("requests/", "urllib3 / requests"),
    ("jingsu/law", "jingsu.law"),
    ("jingsu/", "jingsu (the application)"),
    ("simulator", "simulator"),
    ("json/", "json"),
    ("<frozen", "Python (import machinery)"),
    ("python3.11", "Python standard library"),
)


def _file(frame: str) -> str:
    return frame[frame.rfind("(") + 1:-1] if frame.endswith(")") else ""


def area(frame: str) -> str:
    file = _file(frame)
    for needle, name in AREAS:
        if needle in file:
            return name
    return "other"


def summarise(lines: list[str], under: str = "", top: int = 25) -> str:
    self_: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        if under and under not in stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        self_[frames[-1]] += count
        areas[area(frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    out = [f"samples: {total:,}", "", "by area (leaf frame):"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in areas.most_common()]
    out += ["", f"self (top {top}):"]
    out += [f"  {n / total:6.1%}  {frame}" for frame, n in self_.most_common(top)]
    out += ["", f"inclusive (top {top}, the process's entry frames left out):"]
    shown = [(f, n) for f, n in inclusive.most_common() if n < total * 0.995][:top]
    out += [f"  {n / total:6.1%}  {frame}" for frame, n in shown]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("profile", type=Path)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--under", default="", help="count only stacks containing this text (e.g. jingsu)")
    args = p.parse_args(argv)
    print(summarise(args.profile.read_text().splitlines(), under=args.under, top=args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
