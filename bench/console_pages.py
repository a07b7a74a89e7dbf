"""Benchmark: every staff-console page (GET) at the demo's size, as a role allowed to see it.

    PYTHONPATH=$PWD/src .venv/bin/python bench/console_pages.py [--taxpayers 5000] [--repeat 7] [--reuse]
        [--database-url sqlite:///…] [--only rewards_ledger] [--profile rewards_ledger_pdf]

1. Builds the demo's database the way `jingsu demo` does (`call_command("demo")`: migrate, generate and import a
   roll of --taxpayers, build and send a campaign through the simulator, bank feed, rewards) into a fresh database
   (default: SQLite under var/bench/, the demo's embedded default; --database-url for PostgreSQL). With --reuse an
   existing database is kept (its keys are kept in var/bench/console-pages-keys.json next to it).
2. Adds one staff user per role in 11260 and a validated roll upload (the demo makes none), then walks every URL
   of the `staff` namespace (the URL walker's list, tests/staff/test_url_walker.py), fills path parameters with
   objects of 11260, and GETs each page --repeat times (after one warm-up) through Django's test client — the whole
   middleware stack, sessions, CSP, no network or WSGI server — as the first role that holds its permission.
3. Prints each page's median (and min/max), its ratio to the floor, and the floor itself: the login page (GET,
   anonymous), the most trivial page of the console, measured in the same run.

DEBUG is off (production-like; random keys, as bench/portal_load.py). No page is timed in a test (no timing
assertions in tests). Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _support import (
    JURISDICTION,
    ROOT,
    bench_env,
    cpu_model,
    fresh_database,
    production_secrets,
    start_django,
)

BENCH = ROOT / "var" / "bench"
# roles tried in this order for each page: the first that holds its permission
ROLE_ORDER = ["clerk", "team_lead", "section_chief", "auditor", "committee_member", "sysadmin"]
TARGET_MS = 300.0


def _keys(path: Path, reuse: bool) -> dict[str, str]:
    if reuse and path.exists():
        return json.loads(path.read_text())
    keys = production_secrets()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def _objects(code: str) -> dict[str, int]:
    """Path parameter → an object of jurisdiction `code` (the most telling one where there is a choice)."""
    from django.db.models import Count

    from jingsu.levies.models import Levy
    from jingsu.notices.models import Campaign
    from jingsu.payments.models import Payment
    from jingsu.rewards.models import (
        Claim,
        Committee,
        CommitteeMember,
        HiddenRevenueFinding,
        Meeting,
        TransferBatch,
    )
    from jingsu.staff.models import RollUpload, StaffProfile
    from jingsu.taxpayers.models import Taxpayer

    ids: dict[str, int] = {}
    # a taxpayer with notices, payments and several levies: the taxpayer page's heavier case
    tp = (Taxpayer.objects.filter(jurisdiction_id=code).annotate(n=Count("levies")).filter(n__gte=2)
          .filter(notices__isnull=False).order_by("-n", "pk").first())
    if tp is not None:
        ids["taxpayer_id"] = tp.pk
        levy = Levy.objects.filter(taxpayer=tp).order_by("pk").first()
        if levy is not None:
            ids["levy_id"] = levy.pk
    pay = (Payment.objects.filter(jurisdiction_id=code, status=Payment.Status.UNMATCHED).order_by("pk").first()
           or Payment.objects.filter(jurisdiction_id=code).order_by("pk").first())
    if pay is not None:
        ids["payment_id"] = pay.pk
    for name, qs in (
        ("campaign_id", Campaign.objects.filter(jurisdiction_id=code).exclude(status="draft")),
        ("meeting_id", Meeting.objects.filter(committee__jurisdiction_id=code)),
        ("claim_id", Claim.objects.filter(jurisdiction_id=code)),
        ("batch_id", TransferBatch.objects.filter(jurisdiction_id=code)),
        ("committee_id", Committee.objects.filter(jurisdiction_id=code)),
        ("member_id", CommitteeMember.objects.filter(committee__jurisdiction_id=code)),
        ("finding_id", HiddenRevenueFinding.objects.filter(jurisdiction_id=code)),
        ("upload_id", RollUpload.objects.filter(jurisdiction_id=code)),
        ("user_id", StaffProfile.objects.filter(jurisdiction_id=code, role="clerk")),
    ):
        first = qs.order_by("pk").values_list("user_id" if name == "user_id" else "pk", flat=True).first()
        if first is not None:
            ids[name] = first
    ids.update(_extra_objects(code))
    return ids


def _extra_objects(code: str) -> dict[str, int]:
    """Objects of screens added later (payment uploads); absent models are skipped."""
    out: dict[str, int] = {}
    try:
        from jingsu.staff.models import PaymentUpload
    except ImportError:
        return out
    first = PaymentUpload.objects.filter(jurisdiction_id=code).order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        out["payment_upload_id"] = first
    return out


def _prepare(code: str) -> dict[str, Any]:
    """One staff user per role (the demo has none), and the uploads the demo does not make."""
    from django.contrib.auth import get_user_model

    from jingsu.clock import DEFAULT_CLOCK
    from jingsu.core.models import Jurisdiction
    from jingsu.staff import services
    from jingsu.staff.models import RollUpload
    from jingsu.staff.roles import ROLES

    j = Jurisdiction.by_code(code)
    users = {}
    for role in ROLES:
        name = f"bench-{role.code}-{code}"
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = services.create_staff_user(name, jurisdiction=j, role=role.code,
                                              password=secrets.token_urlsafe(16), clock=DEFAULT_CLOCK).user
        users[role.code] = user
    now = DEFAULT_CLOCK.now()
    if not RollUpload.objects.filter(jurisdiction=j).exists():
        RollUpload.objects.create(jurisdiction=j, uploaded_by=users["clerk"], actor=users["clerk"].get_username(),
                                  original_name="bench.csv", stored_name=f"bench-{code}.csv", size=100,
                                  status=RollUpload.Status.VALIDATED, rows=5, taxpayers=4, created_at=now,
                                  validated_at=now)
    try:
        from jingsu.staff.models import PaymentUpload
    except ImportError:
        pass
    else:
        if not PaymentUpload.objects.filter(jurisdiction=j).exists():
            PaymentUpload.objects.create(
                jurisdiction=j, uploaded_by=users["clerk"], actor=users["clerk"].get_username(),
                original_name="bench.csv", stored_name=f"bench-pay-{code}.csv", size=100, layout="csv",
                source="bank", status=PaymentUpload.Status.VALIDATED, records=3, created_at=now, validated_at=now)
    return users


def _pages() -> list[Any]:
    sys.path.insert(0, str(ROOT / "tests" / "staff"))
    from test_url_walker import walk

    from jingsu.staff.access import PERMISSION_ATTR, PUBLIC_ATTR

    out = []
    for u in walk():
        if getattr(u.callback, PUBLIC_ATTR, False):
            continue
        out.append((u, getattr(u.callback, PERMISSION_ATTR)))
    return out


def _time(client: Any, url: str, repeat: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm-up: template loading, first queries
    times = []
    status = size = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        status, size = r.status_code, len(r.content) if not r.streaming else 0
    return times, status, size


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--database-url", default=f"sqlite:///{BENCH / 'console-pages.sqlite3'}")
    p.add_argument("--reuse", action="store_true", help="keep an existing database (built by an earlier run)")
    p.add_argument("--only", default="", help="time only the URL names containing this")
    p.add_argument("--profile", default="", help="cProfile one URL name (e.g. rewards_ledger) and print the top")
    p.add_argument("--json", type=Path, default=BENCH / "console-pages.json")
    args = p.parse_args()

    keys = _keys(BENCH / "console-pages-keys.json", args.reuse)
    db_file = Path(args.database_url.removeprefix("sqlite:///")) if args.database_url.startswith("sqlite") else None
    build = not (args.reuse and (db_file is None or db_file.exists()))
    if build:
        fresh_database(args.database_url)
    start_django(bench_env(args.database_url, **keys), migrate=False)  # the demo migrates a new database
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # the test client's response hooks (templates, context); DEBUG stays off
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    code = JURISDICTION
    if build:
        t0 = time.perf_counter()
        call_command("demo", taxpayers=args.taxpayers, out=BENCH / "console-demo", jurisdiction=code)
        print(f"demo database built in {time.perf_counter() - t0:.1f} s", flush=True)
    else:
        call_command("migrate", interactive=False, verbosity=0)  # a reused database gets newer migrations
    users = _prepare(code)
    ids = _objects(code)

    from jingsu.staff.roles import ROLE_BY_CODE

    clients: dict[str, Any] = {}

    def client_for(role: str) -> Any:
        if role not in clients:
            c = Client()
            c.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
            clients[role] = c
        return clients[role]

    floor_times, _, _ = _time(Client(), reverse("staff:login"), args.repeat)
    floor = statistics.median(floor_times)
    rows = []
    for u, perm in _pages():
        short = u.name.split(":", 1)[1]
        if args.only and args.only not in short:
            continue
        if args.profile and args.profile != short:
            continue
        missing = [name for name in u.params if name not in ids]
        if missing:
            rows.append({"name": short, "skipped": f"no object for {missing}"})
            continue
        role = next((r for r in ROLE_ORDER if perm in ROLE_BY_CODE[r].permissions), None)
        if role is None:
            rows.append({"name": short, "skipped": f"no role holds {perm}"})
            continue
        url = reverse(u.name, kwargs={name: ids[name] for name in u.params})
        if args.profile:
            client = client_for(role)
            client.get(url)
            prof = cProfile.Profile()
            prof.enable()
            client.get(url)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())
            return 0
        times, status, size = _time(client_for(role), url, args.repeat)
        rows.append({"name": short, "url": url, "role": role, "status": status, "bytes": size,
                     "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times)})
    rows_timed = [r for r in rows if "median_ms" in r]
    rows_timed.sort(key=lambda r: -r["median_ms"])
    print(f"\nmachine: {cpu_model()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; "
          f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; repeat {args.repeat}")
    print(f"floor (login page, anonymous GET): median {floor:.1f} ms\n")
    print("| page | role | status | median ms | min–max ms | × floor |")
    print("|---|---|---|---|---|---|")
    for r in rows_timed:
        flag = " **over**" if r["median_ms"] > TARGET_MS else ""
        print(f"| `{r['name']}` | {r['role']} | {r['status']} | {r['median_ms']:.1f}{flag} | "
              f"{r['min_ms']:.0f}–{r['max_ms']:.0f} | {r['median_ms'] / floor:.1f} |")
    for r in rows:
        if "skipped" in r:
            print(f"skipped {r['name']}: {r['skipped']}")
    over = [r for r in rows_timed if r["median_ms"] > TARGET_MS]
    print(f"\n{len(rows_timed)} pages timed; over {TARGET_MS:.0f} ms: {len(over)}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"floor_ms": floor, "rows": rows, "cpu": cpu_model(),
                                     "load": os.getloadavg()[0]}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
