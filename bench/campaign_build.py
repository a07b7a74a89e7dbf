"""Benchmark: build a campaign of ~1,000,000 notices from imported arrears on PostgreSQL, beside the raw COPY rate of
the same rows measured in the same run.

    .venv/bin/python bench/campaign_build.py [--taxpayers 1000000] [--database-url postgresql://…/jingsu_bench_build]

1. fresh database, migrate, generate a roll with --taxpayers taxpayers (cached under var/bench/), import it;
2. in a child process: create the campaign and time `build_campaign` (selecting arrears, penalties through
   jingsu.law, grouping per taxpayer, hashing each notice's canonical content, writing notices and lines with COPY);
   the child reports its own wall time and peak RSS;
3. the floor: COPY the notice and line rows the build wrote out of the database and into empty copies of the two
   tables, timed — what this machine and PostgreSQL need just to store those rows.

Wall time and CPU seconds are reported for both: the build's process (user + system) and its PostgreSQL backend
(read from /proc/<pid>/stat: the server runs on this machine), so that a figure means something on a shared machine.
`--reuse` (for development): keep an already imported database, and build (and measure the floor) inside a
transaction that is rolled back at the end, so the next run starts from the same roll.

Target (issue 18): ≥ 1/2 of the raw COPY rate of the same run (`build_to_floor` ≥ 0.5) and < 1 GiB peak RSS. Results
go into docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date

from _support import ROOT, bench_env, cpu_model, fresh_database, start_django

AS_OF = date(2026, 11, 23)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=1_000_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_build")
    p.add_argument("--reuse", action="store_true", help="keep the imported database; roll the build back")
    p.add_argument("--profile", help="write a cProfile of the build to this file")
    p.add_argument("--processes", type=int, default=1, help="build_campaign(processes=…): helpers hash the notices")
    p.add_argument("--child-build", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    env = bench_env(args.database_url)
    if args.child_build:
        start_django(env, migrate=False)
        return _child_build(rollback=args.reuse, profile=args.profile, processes=args.processes)

    roll = ROOT / "var" / "bench" / f"roll-tp{args.taxpayers}.csv"
    roll.parent.mkdir(parents=True, exist_ok=True)
    jingsu = [sys.executable, "-m", "jingsu"]
    import_seconds = None
    if not (args.reuse and _imported(args.database_url)):
        fresh_database(args.database_url)
        subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
        if not roll.exists():  # the generator reads the jurisdictions from the (just migrated) database
            subprocess.run([*jingsu, "generate-roll", "--jurisdiction", "11260", "--taxpayers", str(args.taxpayers),
                            "--seed", "3", "--out", str(roll), "--today", AS_OF.isoformat()], env=env, check=True)
        t = time.monotonic()
        subprocess.run([*jingsu, "import-roll", str(roll), "--jurisdiction", "11260", "--json"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        import_seconds = round(time.monotonic() - t, 1)
    if args.reuse:  # the notices of the builds rolled back before
        subprocess.run(["psql", args.database_url, "-q", "-c", "VACUUM ANALYZE"], check=True)

    child = subprocess.run([sys.executable, __file__, "--child-build", "--database-url", args.database_url,
                            "--processes", str(args.processes), *(["--reuse"] if args.reuse else []),
                            *(["--profile", args.profile] if args.profile else [])],
                           env=env, capture_output=True, text=True)
    if child.returncode != 0:
        print(child.stdout[-3000:], child.stderr[-3000:], file=sys.stderr)
        return 1
    build = json.loads(child.stdout.strip().splitlines()[-1])
    copy = build.pop("raw_copy", None)
    if copy is None:
        start_django(env, migrate=False)
        copy = _raw_copy()
    report = {
        "benchmark": "campaign_build",
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {cpu_model()}",
        "taxpayers_in_roll": args.taxpayers,
        "import_seconds": import_seconds,
        **build,
        "raw_copy": copy,
        "build_to_floor": round(build["notices_per_s"] / copy["notices_per_s"], 3),
        "target": {"notices_per_s": "≥ 1/2 of raw_copy.notices_per_s", "peak_rss_mib": 1024},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _imported(url: str) -> bool:
    out = subprocess.run(["psql", url, "-tAq", "-c", "SELECT count(*) FROM levies_levy"], capture_output=True,
                         text=True)
    return out.returncode == 0 and out.stdout.strip() not in ("", "0")


def _backend_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the PostgreSQL backends `pids` have used so far (this machine's /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _child_build(*, rollback: bool, profile: str | None, processes: int) -> int:
    from django.db import connection, transaction

    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.models import Jurisdiction
    from jingsu.notices import services

    clock = ManualClock(__import__("datetime").datetime(2026, 11, 23, 10, tzinfo=SEOUL))
    outer = transaction.atomic() if rollback else None  # --reuse: everything below is rolled back at the end
    if outer is not None:
        outer.__enter__()
    campaign = services.create_campaign(Jurisdiction.by_code("11260"), name="bench", kind="arrears",
                                        as_of=AS_OF, actor="bench:maker", clock=clock)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backends = [cursor.fetchone()[0]]
    extra = {"processes": processes} if processes != 1 else {}  # (the code before the option had no such argument)
    cpu, db_cpu, t = _own_cpu(), _backend_cpu(backends), time.monotonic()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        summary = profiler.runcall(services.build_campaign, campaign, actor="bench:maker", clock=clock, **extra)
        profiler.dump_stats(profile)
    else:
        summary = services.build_campaign(campaign, actor="bench:maker", clock=clock, **extra)
    seconds = time.monotonic() - t
    cpu, db_cpu = _own_cpu() - cpu, _backend_cpu(backends) - db_cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    result: dict[str, object] = {
        "processes": processes, "notices": summary.notices, "lines": summary.lines, "build_seconds": round(seconds, 1),
        "notices_per_s": round(summary.notices / seconds), "build_cpu_s": round(cpu, 1),
        "build_db_cpu_s": round(db_cpu, 1), "build_peak_rss_mib": peak,
        "cpu_us_per_notice": round((cpu + db_cpu) / summary.notices * 1e6)}
    if outer is not None:
        result["raw_copy"] = _raw_copy()
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    print(json.dumps(result))
    return 0


def _raw_copy() -> dict[str, float]:
    """COPY the rows the build wrote out and into empty copies of the tables: the storage floor."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        backends = [raw.execute("SELECT pg_backend_pid()").fetchone()[0]]
        db_cpu = _backend_cpu(backends)
        cpu = _own_cpu()
        total_rows = 0
        seconds = 0.0
        for table in ("notices_notice", "notices_noticeline"):
            buf = io.BytesIO()
            with raw.copy(f"COPY {table} TO STDOUT") as out:
                for data in out:
                    buf.write(data)
            raw.execute(f"CREATE TEMP TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            rows = raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            t = time.monotonic()
            with raw.copy(f"COPY bench_{table} FROM STDIN") as into:
                into.write(buf.getvalue())
            seconds += time.monotonic() - t
            total_rows += rows
        notices = raw.execute("SELECT count(*) FROM notices_notice").fetchone()[0]
        # the export and the count included: an upper bound of the floor's CPU
        cpu, db_cpu = _own_cpu() - cpu, _backend_cpu(backends) - db_cpu
        transaction.set_rollback(True)
    return {"rows": total_rows, "seconds": round(seconds, 1), "notices_per_s": round(notices / seconds),
            "cpu_s": round(cpu, 1), "db_cpu_s": round(db_cpu, 1)}


if __name__ == "__main__":
    raise SystemExit(main())
