"""Benchmark: import a generated 1,000,000-row roll into PostgreSQL; report rows/s, CPU seconds, peak RSS and the
raw-COPY floor of the same rows, measured in the same run.

    .venv/bin/python bench/import_roll.py [--rows 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/jingsu_bench]
        [--code /path/to/other/checkout …] [--repeat 1] [--cpus 0,1]

For each run: a fresh database, migrated; the roll generated once (cached under var/bench/); `jingsu import-roll` in
a child process (process start, Django setup, validation, penalties, encryption and writing all included). Measured:

- wall seconds of the child;
- CPU seconds: the child and its reaped children (the import's reader process; `os.wait4`), plus the PostgreSQL
  backends of the benchmark database (sampled from /proc/<pid>/stat while the import runs; their pids from
  pg_stat_activity), so that a figure taken on a shared machine still says what the import itself costs;
- peak RSS: the larger of the kernel's figure for the child and the sampled sum over the child and its children;
- the floor: the taxpayer and levy rows the import wrote, COPYed out of the database and into empty copies of the
  two tables (same columns, same indexes), in one transaction, wall and CPU (client and backend): what this machine
  and PostgreSQL need just to store those rows. `ratio` = import seconds / floor seconds (lower is better).

`--code DIR` (repeatable) times the import of another checkout (its `src` on PYTHONPATH) in the same run, runs
alternating with this checkout's (the "before" of a change). `--cpus 0` pins the import (and its children) to those
cores with taskset (the server is not pinned). Target (issue 3): ≥ 20,000 rows/s and < 1 GiB peak RSS. Results go to
docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from _support import ROOT, bench_env, cpu_model, fresh_database

# The generator's mean number of levies per taxpayer: 1–4 levies with weights 70/18/8/4 % (rolls/generate.py,
# _LEVY_COUNT) → 0.70·1 + 0.18·2 + 0.08·3 + 0.04·4 = 1.46. (It said 2.5 before, so "--rows 1000000" produced a roll of
# about 585,000 rows; the report always counts the rows actually in the file.)
ROWS_PER_TAXPAYER = 1.46
#: The tables a new roll's import writes (besides one audit row).
TABLES = ("taxpayers_taxpayer", "levies_levy")
TICK = os.sysconf("SC_CLK_TCK")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench")
    p.add_argument("--jurisdiction", default="11260")
    p.add_argument("--code", action="append", default=[], help="another checkout to time in the same run")
    p.add_argument("--skip-self", action="store_true", help="time only the --code checkouts")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--cpus", default="", help="pin the import to these cores (taskset -c)")
    p.add_argument("--validators", type=int, help="jingsu import-roll --validators N (a first import's checking processes)")
    args = p.parse_args()

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    roll = out_dir / f"roll-{args.rows}-v2.csv"  # v2: generated with ROWS_PER_TAXPAYER = 1.46
    env = bench_env(args.database_url)
    jingsu = [sys.executable, "-m", "jingsu"]

    if not roll.exists():  # the generator reads the jurisdictions from the (just migrated) database
        fresh_database(args.database_url)
        subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
        taxpayers = int(args.rows / ROWS_PER_TAXPAYER)
        t = time.monotonic()
        subprocess.run([*jingsu, "generate-roll", "--jurisdiction", args.jurisdiction, "--taxpayers", str(taxpayers),
                        "--seed", "1", "--out", str(roll), "--today", date(2026, 11, 23).isoformat()],
                       env=env, check=True)
        print(f"generated {roll} in {time.monotonic() - t:.1f}s", file=sys.stderr)
    with roll.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1

    codes = [*([] if args.skip_self else [ROOT]), *(Path(c).resolve() for c in args.code)]
    runs = []
    for _ in range(args.repeat):
        for code in codes:
            runs.append(_run(code, roll, rows, args))
            print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr)
    report = {
        "benchmark": "import_roll",
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}, load {os.getloadavg()[0]:.1f}",
        "database": "PostgreSQL " + _pg_version(args.database_url),
        "rows": rows,
        "runs": runs,
        "target": {"rows_per_s": 20000, "peak_rss_mib": 1024},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _run(code: Path, roll: Path, rows: int, args: Any) -> dict[str, Any]:
    env = bench_env(args.database_url)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code / "src"), os.environ.get("PYTHONPATH")]))
    jingsu = [sys.executable, "-m", "jingsu"]
    fresh_database(args.database_url)
    subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
    pin = ["taskset", "-c", args.cpus] if args.cpus else []
    load = os.getloadavg()[0]

    import psycopg

    monitor = psycopg.connect(args.database_url, autocommit=True)
    backend_ticks: dict[int, int] = {}
    t = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([*pin, *jingsu, "import-roll", str(roll), "--jurisdiction", args.jurisdiction,
                                  "--json", *(["--validators", str(args.validators)] if args.validators else [])],
                                 env=env, stdout=out, stderr=err, text=True)
        tree_peak_kib = 0  # the import may read the file in a worker process: sum the RSS of the whole tree
        usage = None
        while usage is None:
            pid, status, ru = os.wait4(child.pid, os.WNOHANG)
            if pid:
                usage, child.returncode = ru, os.waitstatus_to_exitcode(status)
                break
            tree_peak_kib = max(tree_peak_kib, _tree_rss_kib(child.pid))
            _sample_backends(monitor, backend_ticks)
            time.sleep(0.05)
        seconds = time.monotonic() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak_kib = max(usage.ru_maxrss, tree_peak_kib)
    if child.returncode != 0:
        print(stdout[-2000:], stderr[-2000:], file=sys.stderr)
        raise SystemExit(1)
    summary = json.loads(stdout)
    import_cpu = usage.ru_utime + usage.ru_stime
    server_cpu = sum(backend_ticks.values()) / TICK
    floor = _raw_copy(monitor)
    monitor.close()
    return {
        "code": str(code),
        "cpus": args.cpus or "all",
        "load_before": round(load, 1),
        "taxpayers": summary["taxpayers"],
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "cpu_import_s": round(import_cpu, 1),
        "cpu_server_s": round(server_cpu, 1),
        "cpu_us_per_row": round((import_cpu + server_cpu) / rows * 1e6, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "floor": floor,
        "ratio_wall": round(seconds / floor["seconds"], 2),
        "ratio_cpu": round((import_cpu + server_cpu) / floor["cpu_s"], 2),
    }


def _backend_pids(conn: Any) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def _proc_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime


def _sample_backends(conn: Any, ticks: dict[int, int]) -> None:
    for pid in _backend_pids(conn):
        now = _proc_ticks(pid)
        if now is not None:
            ticks[pid] = max(ticks.get(pid, 0), now)


def _raw_copy(conn: Any) -> dict[str, Any]:
    """COPY the rows the import wrote out and into empty copies of the tables (same columns and indexes), in one
    transaction that is rolled back: the storage floor. Wall and CPU (this process and its backend)."""
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    total_rows = 0
    seconds = cpu = 0.0
    with conn.transaction(force_rollback=True):
        for table in TABLES:
            buf = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as out:
                for data in out:
                    buf.write(data)
            conn.execute(f"CREATE TEMP TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            total_rows += conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            t, c, b = time.monotonic(), time.process_time(), _proc_ticks(backend) or 0
            with conn.cursor().copy(f"COPY bench_{table} FROM STDIN") as into:
                into.write(buf.getvalue())
            seconds += time.monotonic() - t
            cpu += time.process_time() - c + ((_proc_ticks(backend) or 0) - b) / TICK
    return {"rows": total_rows, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2)}


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
