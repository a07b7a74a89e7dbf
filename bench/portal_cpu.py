"""Benchmark: CPU per request of the citizen's notice page and of an empty Django view, in-process.

    .venv/bin/python bench/portal_cpu.py LABEL

Run after bench/portal_load.py (it reuses that run's database `jingsu_bench_portal`, its Redis database 5 and the
notices of its targets file). Through Django's test client, with the same settings and middleware, it opens a verified
session per notice and measures 500 page views and 500 requests to an empty view: the Python CPU of this process and
the CPU of its PostgreSQL backend per request (/proc). No network and no other process, so on a shared machine this is
the figure to compare between commits (run it in a worktree of each, alternately).
"""

from __future__ import annotations

import glob
import os
import sys
import time
import types
from pathlib import Path


def main() -> int:
    os.environ.update(DATABASE_URL="postgresql://postgres@127.0.0.1:5432/jingsu_bench_portal",
                      REDIS_URL="redis://127.0.0.1:6379/5", DJANGO_SETTINGS_MODULE="jingsu.settings",
                      JINGSU_VAR_DIR=os.getcwd() + "/var", JINGSU_ALLOWED_HOSTS="testserver,127.0.0.1")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.cache import SessionStore
    from django.db import connection
    from django.http import HttpRequest, HttpResponse
    from django.test import Client
    from django.urls import include, path

    from jingsu.core.runtime import bootstrap
    from jingsu.notices.models import Notice
    from jingsu.portal.views import SESSION_KEY

    bootstrap(enforce_secrets=False)

    def empty(request: HttpRequest) -> HttpResponse:
        return HttpResponse(b"ok")

    urls = types.ModuleType("_portal_cpu_urls")
    urls.urlpatterns = [path("bench/empty", empty), path("", include("jingsu.urls"))]  # type: ignore[attr-defined]
    sys.modules["_portal_cpu_urls"] = urls
    settings.ROOT_URLCONF = "_portal_cpu_urls"
    targets = sorted(glob.glob("/tmp/jingsu-portal-bench-*/targets.txt"), key=os.path.getmtime)[-1]
    lines = []
    for line in Path(targets).read_text().splitlines()[:500]:
        page = line.split()[0]
        s = SessionStore()
        s[SESSION_KEY] = [Notice.objects.get(token=page[3:]).pk]
        s.create()
        lines.append((page, s.session_key))
    client = Client()

    def run(n: int, only: str | None = None) -> None:
        for page, cookie in lines[:n]:
            client.cookies["sessionid"] = cookie
            r = client.get(only or page)
            assert r.status_code == 200 and (only or "납부하실 금액".encode() in r.content), r.status_code

    run(50)
    run(50, "/bench/empty")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]

    def cpu(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    out = [sys.argv[1] if len(sys.argv) > 1 else "run"]
    for label, only in (("page", None), ("empty", "/bench/empty")):
        n = 500
        t0, b0 = time.process_time(), cpu(backend)
        run(n, only)
        out.append(f"{label} {(time.process_time() - t0) / n * 1000:.2f}+{(cpu(backend) - b0) / n * 1000:.2f} ms")
    print(" | ".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
