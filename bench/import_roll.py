"""Benchmark: import a generated 1,000,000-row roll into PostgreSQL; report rows/s and peak RSS.

    .venv/bin/python bench/import_roll.py [--rows 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/jingsu_bench]

Makes a fresh database, migrates it, generates the roll once (cached under var/bench/), then runs
`jingsu import-roll` in a child process; its peak RSS is the larger of the kernel's figure for the child (getrusage)
and the sampled sum over the child and its own children (the import's reader process). The import
time is the child's wall time minus nothing: it includes process start, Django setup, validation (pass 1) and
writing (pass 2). Target (issue 3): ≥ 20,000 rows/s and < 1 GiB peak RSS. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _support import ROOT, bench_env, cpu_model, fresh_database

# The generator's mean number of levies per taxpayer: 1–4 levies with weights 70/18/8/4 % (rolls/generate.py,
# _LEVY_COUNT) → 0.70·1 + 0.18·2 + 0.08·3 + 0.04·4 = 1.46. (It said 2.5 before, so "--rows 1000000" produced a roll of
# about 585,000 rows; the report always counts the rows actually in the file.)
ROWS_PER_TAXPAYER = 1.46


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench")
    p.add_argument("--jurisdiction", default="11260")
    args = p.parse_args()

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    roll = out_dir / f"roll-{args.rows}-v2.csv"  # v2: generated with ROWS_PER_TAXPAYER = 1.46
    env = bench_env(args.database_url)
    jingsu = [sys.executable, "-m", "jingsu"]

    fresh_database(args.database_url)
    subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
    if not roll.exists():  # the generator reads the jurisdictions from the (just migrated) database
        taxpayers = int(args.rows / ROWS_PER_TAXPAYER)
        t = time.monotonic()
        subprocess.run([*jingsu, "generate-roll", "--jurisdiction", args.jurisdiction, "--taxpayers", str(taxpayers),
                        "--seed", "1", "--out", str(roll), "--today", date(2026, 11, 23).isoformat()],
                       env=env, check=True)
        print(f"generated {roll} in {time.monotonic() - t:.1f}s", file=sys.stderr)
    with roll.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1

    t = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([*jingsu, "import-roll", str(roll), "--jurisdiction", args.jurisdiction, "--json"],
                                 env=env, stdout=out, stderr=err, text=True)
        tree_peak_kib = 0  # the import may read the file in a worker process: sum the RSS of the whole tree
        while child.poll() is None:
            tree_peak_kib = max(tree_peak_kib, _tree_rss_kib(child.pid))
            time.sleep(0.05)
        seconds = time.monotonic() - t
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(child.args, child.returncode, out.read(), err.read())
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, tree_peak_kib)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        return 1
    summary = json.loads(result.stdout)
    report = {
        "benchmark": "import_roll",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}",
        "database": "PostgreSQL " + _pg_version(args.database_url),
        "rows": rows,
        "taxpayers": summary["taxpayers"],
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mib": round(max(peak_kib, before) / 1024),
        "target": {"rows_per_s": 20000, "peak_rss_mib": 1024},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its descendants now (shared copy-on-write pages of a forked child counted
    twice: an upper bound)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def _pg_version(url: str) -> str:
    r = subprocess.run(["psql", url, "-tAc", "SHOW server_version"], capture_output=True, text=True)
    return r.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
