"""Benchmark: import a generated roll into PostgreSQL, then a changed version of it; report rows/s for both.

    .venv/bin/python bench/import_changed.py [--rows 200000] [--database-url postgresql://postgres@127.0.0.1:5432/jingsu_bench_changed]

issue 12 §2: a 200,000-row roll whose rows differ from what is stored ran one `bulk_update` (CASE WHEN id = …) for
over 56 minutes. The importer now writes changes set-based (COPY into a temporary table during the pass, then one
`UPDATE … FROM` per 5,000 rows at its end; `core.db.DeferredUpdate`). This script makes a fresh database, imports the roll (every row new),
then imports the same roll with every levy's 본세 raised by 10원 and every taxpayer's address changed (every row
changed: levy and taxpayer), each with `jingsu import-roll --json` in a child process, and prints both rates. The
second import should be of the same order as the first. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from _support import cpu_model, fresh_database

ROOT = Path(__file__).resolve().parent.parent
ROWS_PER_TAXPAYER = 1.46  # see bench/import_roll.py


def changed_copy(src: Path, dst: Path) -> int:
    """`src` with every 본세 + 10원 and every 주소 changed; returns the number of data rows."""
    rows = 0
    with src.open(encoding="utf-8", newline="") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
        reader = csv.DictReader(fin)
        writer = csv.DictWriter(fout, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            row["본세"] = str(int(row["본세"]) + 10)
            row["주소"] = row["주소"] + " 1층"
            writer.writerow(row)
            rows += 1
    return rows


def run_import(jingsu: list[str], roll: Path, jurisdiction: str, env: dict[str, str]) -> tuple[float, dict]:
    t = time.monotonic()
    result = subprocess.run([*jingsu, "import-roll", str(roll), "--jurisdiction", jurisdiction, "--json"],
                            env=env, capture_output=True, text=True)
    seconds = time.monotonic() - t
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        raise SystemExit(1)
    return seconds, json.loads(result.stdout)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_changed")
    p.add_argument("--jurisdiction", default="11260")
    args = p.parse_args()
    if not args.database_url.startswith("postgres"):
        print("this benchmark measures PostgreSQL: give a postgresql:// --database-url", file=sys.stderr)
        return 2

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    roll = out_dir / f"roll-{args.rows}-v3.csv"  # v3: 과세번호 carry the seed (R1)
    changed = out_dir / f"roll-{args.rows}-v3-changed.csv"
    env = {**os.environ, "DATABASE_URL": args.database_url, "JINGSU_VAR_DIR": str(ROOT / "var")}
    jingsu = [sys.executable, "-m", "jingsu"]

    fresh_database(args.database_url)
    subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
    if not roll.exists():
        subprocess.run([*jingsu, "generate-roll", "--jurisdiction", args.jurisdiction,
                        "--taxpayers", str(int(args.rows / ROWS_PER_TAXPAYER)), "--seed", "1", "--out", str(roll),
                        "--today", date(2026, 11, 23).isoformat()], env=env, check=True)
    rows = changed_copy(roll, changed)

    new_s, new = run_import(jingsu, roll, args.jurisdiction, env)
    changed_s, again = run_import(jingsu, changed, args.jurisdiction, env)
    assert new["levies_created"] == rows and again["levies_updated"] == rows, (new, again)
    report = {
        "benchmark": "import_changed",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}",
        "rows": rows,
        "new": {"seconds": round(new_s, 1), "rows_per_s": round(rows / new_s), "levies_created": new["levies_created"]},
        "changed": {"seconds": round(changed_s, 1), "rows_per_s": round(rows / changed_s),
                    "levies_updated": again["levies_updated"], "taxpayers_updated": again["taxpayers_updated"]},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
