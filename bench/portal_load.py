"""Benchmark: the citizen's notice page served by gunicorn on PostgreSQL, driven by wrk from a second process.

    .venv/bin/python bench/portal_load.py [--taxpayers 3000] [--sessions 1000] [--workers 1,2,4] [--seconds 30]

Prepares a fresh PostgreSQL database (a generated 중랑구 roll, one built and approved campaign), opens one verified
session per notice in Redis (what a citizen has after the identity check), starts gunicorn (once per worker count
in `--workers`, serving bench/_portal_wsgi.py: jingsu's application plus an empty view) and runs

0. the floor: `wrk` with the same settings and sessions against an empty Django view (`/bench/empty`, the same
   server and middleware), measured in the same run, so that the page's figure can be read as a ratio to it;
1. `wrk` (Debian package `wrk`; this script installs nothing — `apt-get install -y wrk`) for `--seconds` against
   `GET /n/<token>` with a random verified session per request: requests/s and latency percentiles. The page is the
   real one: notice, lines, today's penalty from jingsu.law, the access audit row;
2. the verification step: `POST /n/<token>/verify` with a correct one-time code, once per notice (a code works
   once), from a thread pool of 16 clients: verifications/s and latency percentiles (at the last worker count).

Besides wall-clock figures it reports the server side's CPU time per request: gunicorn's master and workers, the
PostgreSQL backends of the bench database and redis-server (utime + stime from /proc, before and after each wrk run).

Target (issue 6): ≥ 500 requests/s with p99 < 100 ms on the 2-core machine. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _support import (
    ROOT,
    bench_env,
    cpu_model,
    fresh_database,
    roll_campaign,
    start_django,
)

LUA = """
local lines = {}
for line in io.lines(os.getenv("PORTAL_TARGETS")) do
  local path, cookie = line:match("^(%S+) (%S+)$")
  table.insert(lines, {path, cookie})
end
math.randomseed(os.time())
request = function()
  local t = lines[math.random(#lines)]
  return wrk.format("GET", t[1], {["Cookie"] = "sessionid=" .. t[2]})
end
"""


LOAD0 = " ".join(f"{x:.2f}" for x in os.getloadavg())


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _server_pids(master: int, dbname: str) -> dict[str, list[int]]:
    """gunicorn's master and workers, the PostgreSQL backends of the bench database, and redis-server (shared with
    whatever else uses Redis on the machine: reported apart)."""
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc",
                         f"SELECT pid FROM pg_stat_activity WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"],
                        capture_output=True, text=True).stdout.split()
    redis = subprocess.run(["redis-cli", "info", "server"], capture_output=True, text=True).stdout
    m = re.search(r"process_id:(\d+)", redis)
    return {"gunicorn": [master, *_children(master)], "pg": [int(p) for p in pg],
            "redis": [int(m.group(1))] if m else []}


def _cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    return {k: sum(_ticks(p) for p in v) / os.sysconf("SC_CLK_TCK") for k, v in pids.items()}


def _wrk(args: argparse.Namespace, env: dict[str, str], base: str, lua: Path, targets: Path, master: int,
         dbname: str) -> dict[str, Any]:
    """One wrk run; returns requests/s, p50, p99, non-2xx and the CPU milliseconds per request of gunicorn, of its
    PostgreSQL backends and of redis-server (those alive at the end of the run, read before and after)."""
    pids = _server_pids(master, dbname)
    before = _cpu_seconds(pids)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", str(lua), base],
        env={**env, "PORTAL_TARGETS": str(targets)}, capture_output=True, text=True, check=True).stdout
    after_pids = _server_pids(master, dbname)
    pids = {k: sorted(set(v) | set(after_pids[k])) for k, v in pids.items()}
    after = _cpu_seconds(pids)
    print(out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    q = {k: "".join(re.search(rf"{k}%\s+([\d.]+\w+)", out).groups()) for k in ("50", "99")}
    cpu = {k: (after[k] - before[k]) * 1000 / max(requests, 1) for k in after}
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": q["50"], "p99": q["99"],
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "cpu": cpu}


def serve_and_measure(args: argparse.Namespace, env: dict[str, str], workers: int, lua: Path, targets: Path,
                      floor_targets: Path, dbname: str, codes: dict[str, str] | None) -> dict[str, Any]:
    """gunicorn with `workers`; the floor (an empty view, same server and wrk settings), then the notice page; then,
    when `codes` is given, the verification step."""
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--pythonpath", str(ROOT / "bench"), "_portal_wsgi:application",
         "-w", str(workers), "-b", f"127.0.0.1:{args.port}", "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        import httpx

        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        first_path, first_cookie = targets.read_text().split("\n", 1)[0].split()
        check = httpx.get(base + first_path, cookies={"sessionid": first_cookie})
        assert check.status_code == 200 and "납부하실 금액" in check.text, check.status_code
        for t in (floor_targets, targets, targets):  # warm every worker
            subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", str(lua), base],
                           env={**env, "PORTAL_TARGETS": str(t)}, capture_output=True, check=True)
        print(f"--- gunicorn -w {workers}: floor (empty view)")
        floor = _wrk(args, env, base, lua, floor_targets, server.pid, dbname)
        print(f"--- gunicorn -w {workers}: notice page")
        page = _wrk(args, env, base, lua, targets, server.pid, dbname)
        print(f"notice page: {page['rps']:.0f} requests/s, p99 {page['p99']}, non-2xx {page['non2xx']}; "
              f"floor {floor['rps']:.0f} requests/s, p99 {floor['p99']}")
        if codes is not None:
            verification(base, codes)
        return {"workers": workers, "floor_rps": floor["rps"], "floor_p99": floor["p99"], "rps": page["rps"],
                "p50": page["p50"], "p99": page["p99"], "ratio": page["rps"] / floor["rps"],
                "cpu_page": "{gunicorn:.1f} / {pg:.1f} / {redis:.2f}".format(**page["cpu"]),
                "cpu_floor": "{gunicorn:.1f} / {pg:.1f} / {redis:.2f}".format(**floor["cpu"]),
                "non2xx": page["non2xx"] + floor["non2xx"]}
    finally:
        server.terminate()
        server.wait(10)


def verification(base: str, codes: dict[str, str]) -> None:
    """The verification step: each notice once, 16 clients."""
    import httpx

    items = list(codes.items())
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(part: list[tuple[str, str]]) -> None:
        with httpx.Client(base_url=base) as c:
            for token, code in part:
                c.cookies.clear()
                c.get(f"/n/{token}")  # the verification page sets the CSRF cookie
                csrf = c.cookies.get("csrftoken", "")
                t = time.perf_counter()
                r = c.post(f"/n/{token}/verify", data={"code": code, "csrfmiddlewaretoken": csrf},
                           headers={"X-CSRFToken": csrf, "Referer": base})
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=worker, args=(items[i::16],)) for i in range(16)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    ok = sum(1 for s in statuses if s == 302)
    print("verification statuses:", dict(collections.Counter(statuses)))
    q = statistics.quantiles(latencies, n=100)
    print(f"verification: {len(latencies)} in {elapsed:.1f}s (incl. the GET before each), {ok} verified, "
          f"POST latency p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=3000)
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--workers", default="4", help="gunicorn worker counts, e.g. 1,2,4 (each measured in turn)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--skip-verification", action="store_true", help="measure the page only")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_portal")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        print("wrk가 필요합니다: apt-get install -y wrk", file=sys.stderr)
        return 2
    fresh_database(args.database_url)
    # every request comes from 127.0.0.1: the per-address limit on verification would refuse the bench
    # a fresh database: its own random keys and secrets, as production has (_support.production_secrets)
    env = bench_env(args.database_url, REDIS_URL=args.redis_url,
                    JINGSU_PORTAL_RATE_LIMIT=os.environ.get("JINGSU_PORTAL_RATE_LIMIT", "1000000"))
    start_django(env)
    from django.conf import settings
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import cache

    from jingsu.clock import SystemClock, today
    from jingsu.notices.models import Notice
    from jingsu.portal.models import OneTimeCode
    from jingsu.portal.services import _code_hash
    from jingsu.portal.views import SESSION_KEY

    assert settings.SESSION_ENGINE.endswith(".cache"), "sessions must live in Redis (REDIS_URL)"
    cache.clear()
    clock = SystemClock()
    work = Path(tempfile.mkdtemp(prefix="jingsu-portal-bench-"))
    campaign = roll_campaign(work / "roll.csv", clock, taxpayers=args.taxpayers, seed=7, as_of=today(clock),
                             cached=False, import_actor="bench", maker="maker", checker="checker")
    # notices whose taxpayer has a mobile number: only their verification page carries the code form (and its CSRF)
    chosen = list(Notice.objects.filter(campaign=campaign, control_group=False).exclude(taxpayer__mobile="").order_by("?").values_list("pk", "token")[:args.sessions])
    targets = work / "targets.txt"
    with targets.open("w") as fh:
        for pk, token in chosen:
            s = SessionStore()
            s[SESSION_KEY] = [pk]
            s.create()
            fh.write(f"/n/{token} {s.session_key}\n")
    now = clock.now()
    codes = {}
    for pk, token in chosen:
        code = f"{random.randrange(10**6):06d}"
        n = Notice(pk=pk)
        OneTimeCode.objects.create(notice_id=pk, code_hash=_code_hash(n, code), created_at=now,
                                   expires_at=now + datetime.timedelta(minutes=30),
                                   sms_key=f"bench-{pk}")
        codes[token] = code
    lua = work / "portal.lua"
    lua.write_text(LUA)
    floor_targets = work / "floor.txt"
    floor_targets.write_text("".join(f"/bench/empty {line.split()[1]}\n" for line in targets.read_text().splitlines()))
    dbname = args.database_url.rsplit("/", 1)[1]
    results = []
    for i, workers in enumerate(int(w) for w in args.workers.split(",")):
        results.append(serve_and_measure(args, env, workers, lua, targets, floor_targets, dbname,
                                         codes if i == len(args.workers.split(",")) - 1 and not args.skip_verification else None))
    print(f"\nmachine: {cpu_model()}, {os.cpu_count()} cores; load average before: {LOAD0}; "
          f"wrk -t2 -c{args.connections} -d{args.seconds}s")
    print("| workers | floor req/s | floor p99 | page req/s | page p50 | page p99 | page/floor | "
          "CPU ms/page (gunicorn / PG / Redis) | CPU ms/floor (same) | non-2xx |")
    for r in results:
        print("| {workers} | {floor_rps:.0f} | {floor_p99} | {rps:.0f} | {p50} | {p99} | {ratio:.2f} | "
              "{cpu_page} | {cpu_floor} | {non2xx} |".format(**r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
