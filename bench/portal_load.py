"""Benchmark: the citizen's notice page served by gunicorn on PostgreSQL, driven by wrk from a second process.

    .venv/bin/python bench/portal_load.py [--taxpayers 3000] [--sessions 1000] [--workers 4] [--seconds 30]

Prepares a fresh PostgreSQL database (a generated 중랑구 roll, one built and approved campaign), opens one verified
session per notice in Redis (what a citizen has after the identity check), starts gunicorn and runs

1. `wrk` (Debian package `wrk`; this script installs nothing — `apt-get install -y wrk`) for `--seconds` against
   `GET /n/<token>` with a random verified session per request: requests/s and latency percentiles. The page is the
   real one: notice, lines, today's penalty from jingsu.law, the access audit row;
2. the verification step: `POST /n/<token>/verify` with a correct one-time code, once per notice (a code works
   once), from a thread pool of 16 clients: verifications/s and latency percentiles.

Target (issue 6): ≥ 500 requests/s with p99 < 100 ms on the 2-core machine. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
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

from _support import cpu_model, fresh_database

ROOT = Path(__file__).resolve().parent.parent
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


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=3000)
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_portal")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    args = p.parse_args()
    if shutil.which("wrk") is None:
        print("wrk가 필요합니다: apt-get install -y wrk", file=sys.stderr)
        return 2
    fresh_database(args.database_url)
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
           "JINGSU_VAR_DIR": str(ROOT / "var"), "DJANGO_SETTINGS_MODULE": "jingsu.settings",
           # every request comes from 127.0.0.1: the per-address limit on verification would refuse the bench
           "JINGSU_PORTAL_RATE_LIMIT": os.environ.get("JINGSU_PORTAL_RATE_LIMIT", "1000000")}
    # a fresh database: its own random keys and secrets, as production has (gunicorn refuses to start without them
    # with DEBUG off, and DEBUG would slow every request down); docs/security.md
    import base64
    import secrets as _secrets

    from cryptography.fernet import Fernet

    for name, value in (("JINGSU_SECRET_KEY", _secrets.token_urlsafe(40)), ("JINGSU_PII_KEYS", Fernet.generate_key().decode()),
                        ("JINGSU_LOOKUP_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
                        ("JINGSU_CI_LOOKUP_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode()),
                        ("JINGSU_KT_CALLBACK_SECRET", _secrets.token_urlsafe(32)),
                        ("JINGSU_PG_SECRET", _secrets.token_urlsafe(32))):
        env.setdefault(name, value)
    os.environ.update(env)
    import django

    django.setup()
    from datetime import date

    from django.conf import settings
    from django.contrib.sessions.backends.cache import SessionStore
    from django.core.cache import cache
    from django.core.management import call_command

    from jingsu.clock import SystemClock, today
    from jingsu.notices import services as notices
    from jingsu.notices.models import Notice
    from jingsu.portal.models import OneTimeCode
    from jingsu.portal.services import _code_hash
    from jingsu.portal.views import SESSION_KEY
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll

    assert settings.SESSION_ENGINE.endswith(".cache"), "sessions must live in Redis (REDIS_URL)"
    call_command("migrate", verbosity=0)
    cache.clear()
    clock = SystemClock()
    work = Path(tempfile.mkdtemp(prefix="jingsu-portal-bench-"))
    roll = work / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=args.taxpayers, seed=7, out=roll, today=today(clock))
    import_roll(roll, jurisdiction_code="11260", actor="bench", clock=clock)
    from jingsu.core.models import Jurisdiction

    campaign = notices.create_campaign(Jurisdiction.by_code("11260"), name="bench", kind="arrears",
                                       as_of=date.today(), actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
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
                                   expires_at=now + __import__("datetime").timedelta(minutes=30),
                                   sms_key=f"bench-{pk}")
        codes[token] = code
    lua = work / "portal.lua"
    lua.write_text(LUA)

    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "jingsu.wsgi", "-w", str(args.workers), "-b",
         f"127.0.0.1:{args.port}", "--log-level", "warning"], env=env, cwd=ROOT)
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
        for _ in range(2):  # warm every worker
            subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-s", str(lua), base], env={**env, "PORTAL_TARGETS": str(targets)},
                           capture_output=True, check=True)
        out = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", str(lua), base],
            env={**env, "PORTAL_TARGETS": str(targets)}, capture_output=True, text=True, check=True).stdout
        print(out)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print(f"notice page: {rps:.0f} requests/s, p99 {p99.group(1)}{p99.group(2)}, "
              f"non-2xx {non2xx.group(1) if non2xx else 0}")

        # the verification step: each notice once, 16 clients
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
        print("verification statuses:", dict(__import__("collections").Counter(statuses)))
        q = statistics.quantiles(latencies, n=100)
        print(f"verification: {len(latencies)} in {elapsed:.1f}s (incl. the GET before each), {ok} verified, "
              f"POST latency p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")
        print(f"machine: {cpu_model()}, {os.cpu_count()} cores; gunicorn -w {args.workers}; wrk -t2 "
              f"-c{args.connections} -d{args.seconds}s")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
