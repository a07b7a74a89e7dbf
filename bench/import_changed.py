"""Benchmark: import a generated roll into PostgreSQL, then a changed version of it while `jingsu dispatch` sends a
campaign; report rows/s for both imports and the dispatch rate before and during the changed import.

    .venv/bin/python bench/import_changed.py [--rows 200000] [--database-url postgresql://postgres@127.0.0.1:5432/jingsu_bench_changed]
        [--pre-seconds S] [--without-dispatch]

issue 12 §2: a 200,000-row roll whose rows differ from what is stored ran one `bulk_update` (CASE WHEN id = …) for
over 56 minutes while `jingsu dispatch` waited on its row locks. The importer now writes changes set-based (COPY into
a temporary table during the pass, then one `UPDATE … FROM` per 5,000 rows at its end; `core.db.DeferredUpdate`).

What it does: makes a fresh database; imports the roll (every row new) with `jingsu import-roll --json` in a child
process; builds, approves and queues one campaign over the imported taxpayers (send window open all day, simulator
without faults or rate limit); starts one `jingsu dispatch --send-only` process; lets it send for a while with
nothing else running; then imports the same roll with every levy's 본세 raised by 10원 and every taxpayer's address
changed (every levy and taxpayer changed), again as a child process, while dispatch goes on. Then it stops dispatch
and prints one JSON line:

- both imports' seconds and rows/s, and changed/new;
- dispatch: attempts handed over per second (every attempt the provider answered, accepted or refused: the
  `sending → accepted|rejected|queued` history rows, stamped by the dispatch process with the real clock) during
  the changed import and in a window of the same length just before it; the longest gap between consecutive
  hand-overs during the import (the window's edges count, so a dispatcher blocked throughout shows the whole
  import); whether queued work was left when the import ended (if not, dispatch ran dry and "during" undercounts);
- levy lock probe: a separate connection locks the first levy the import updates (`SELECT … FOR UPDATE`, as the
  bank-feed step does before booking a payment) every 0.2 s during the changed import; the longest wait is how long
  a payment on a changed levy would have waited for the import. (`--send-only` dispatch never locks levies or
  taxpayers; this probe stands in for the payment steps of the full cycle.)

`--without-dispatch` runs the two imports alone (no campaign, no dispatch): the changed import's speed when it does
not share the two cores, to tell the cost of writing changes from the cost of sharing.

Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from _support import cpu_model, fresh_database

ROOT = Path(__file__).resolve().parent.parent
ROWS_PER_TAXPAYER = 1.46  # see bench/import_roll.py


T0 = time.monotonic()


def say(what: str) -> None:
    print(f"[{time.monotonic() - T0:6.0f} s] {what}", file=sys.stderr, flush=True)


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
    """`jingsu import-roll ROLL --json` in a child process; (seconds, its JSON)."""
    t = time.monotonic()
    result = subprocess.run([*jingsu, "import-roll", str(roll), "--jurisdiction", jurisdiction, "--json"],
                            env=env, capture_output=True, text=True)
    seconds = time.monotonic() - t
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        raise SystemExit(1)
    return seconds, json.loads(result.stdout)


class LockProbe(threading.Thread):
    """Every 0.2 s, lock one levy row (`SELECT … FOR UPDATE`, as a payment does) on its own connection; keep the
    longest wait."""

    def __init__(self, url: str, table: str, levy_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.table, self.levy_id = url, table, levy_id
        self.stop = threading.Event()
        self.longest = 0.0
        self.probes = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url) as conn:
            while not self.stop.is_set():
                t = time.monotonic()
                conn.execute(f'SELECT id FROM "{self.table}" WHERE id = %s FOR UPDATE', [self.levy_id])
                self.longest = max(self.longest, time.monotonic() - t)
                conn.rollback()
                self.probes += 1
                self.stop.wait(0.2)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_changed")
    p.add_argument("--jurisdiction", default="11260")
    p.add_argument("--pre-seconds", type=float, default=0.0,
                   help="how long dispatch sends alone before the changed import (default: 4 × the new import, "
                        "at least 10 s: the changed import, sharing the cores with dispatch, takes up to ≈ 3 ×)")
    p.add_argument("--without-dispatch", action="store_true",
                   help="no campaign, no dispatch: the changed import alone (its speed without sharing the cores)")
    args = p.parse_args()
    from jingsu.clock import SEOUL

    start = datetime.now(SEOUL)  # the one reading of the real clock for the simulated world (an entry point)
    if not args.database_url.startswith("postgres"):
        print("this benchmark measures PostgreSQL: give a postgresql:// --database-url", file=sys.stderr)
        return 2

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    roll = out_dir / f"roll-{args.rows}-v3.csv"  # v3: 과세번호 carry the seed (R1)
    changed = out_dir / f"roll-{args.rows}-v3-changed.csv"
    # children import this checkout's code
    pythonpath = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "DATABASE_URL": args.database_url, "JINGSU_VAR_DIR": str(ROOT / "var"),
           "PYTHONPATH": pythonpath, "DJANGO_SETTINGS_MODULE": "jingsu.settings"}
    jingsu = [sys.executable, "-m", "jingsu"]

    fresh_database(args.database_url)
    subprocess.run([*jingsu, "migrate", "-v", "0"], env=env, check=True)
    if not roll.exists():
        subprocess.run([*jingsu, "generate-roll", "--jurisdiction", args.jurisdiction,
                        "--taxpayers", str(int(args.rows / ROWS_PER_TAXPAYER)), "--seed", "1", "--out", str(roll),
                        "--today", date(2026, 11, 23).isoformat()], env=env, check=True)
    rows = changed_copy(roll, changed)

    say("importing the roll (new)")
    new_s, new = run_import(jingsu, roll, args.jurisdiction, env)
    assert new["levies_created"] == rows, new

    if args.without_dispatch:
        say("importing the changed roll, nothing else running")
        changed_s, again = run_import(jingsu, changed, args.jurisdiction, env)
        assert again["levies_updated"] == rows, again
        print(json.dumps({
            "benchmark": "import_changed", "date": start.date().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}", "rows": rows,
            "new": {"seconds": round(new_s, 1), "rows_per_s": round(rows / new_s)},
            "changed_alone": {"seconds": round(changed_s, 1), "rows_per_s": round(rows / changed_s),
                              "levies_updated": again["levies_updated"],
                              "taxpayers_updated": again["taxpayers_updated"]},
            "changed_over_new": round(new_s / changed_s, 2)}, ensure_ascii=False))
        return 0

    os.environ.update(env)
    import django

    django.setup()
    from jingsu.clock import ManualClock, SystemClock
    from jingsu.core.models import Jurisdiction
    from jingsu.delivery import services as delivery
    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, DeliveryEvent
    from jingsu.levies.models import Levy
    from jingsu.notices import services as notices
    from jingsu.notices.models import Campaign
    from jingsu.providers.registry import simulator_providers
    from jingsu.simulator.process import SimulatorProcess

    clock = ManualClock(start)
    wall = SystemClock()  # only to measure: `jingsu dispatch` stamps its history rows with the real clock
    campaign = notices.create_campaign(Jurisdiction.by_code(args.jurisdiction), name="bench",
                                       kind="arrears", as_of=start.date(), actor="bench:maker", clock=clock)
    say("building the campaign")
    notices.build_campaign(campaign, actor="bench:maker", clock=clock)
    notices.approve_campaign(campaign, actor="bench:checker", clock=clock)
    Campaign.objects.filter(pk=campaign.pk).update(send_window_start=dtime(0), send_window_end=dtime(0))
    campaign.refresh_from_db()
    electronic = (Channel.KAKAO, Channel.KT, Channel.SMS)
    queued = DeliveryAttempt.objects.filter(channel__in=electronic, status=AttemptStatus.QUEUED)
    handed = DeliveryEvent.objects.filter(
        from_status=AttemptStatus.SENDING,
        to_status__in=(AttemptStatus.ACCEPTED, AttemptStatus.REJECTED, AttemptStatus.QUEUED))

    with SimulatorProcess(seed=5, start=start) as sim:
        say("queueing the campaign (CI look-ups, bills, first attempts)")
        delivery.start_campaign(campaign, simulator_providers(sim.url), actor="bench:checker", clock=clock)
        first_attempts = queued.count()
        log = (out_dir / "import_changed-dispatch.log").open("w")
        say("starting jingsu dispatch")
        worker = subprocess.Popen([*jingsu, "dispatch", "--send-only", "--interval", "0.2"],
                                  env={**env, "JINGSU_PROVIDER_URL": sim.url}, stdout=log, stderr=subprocess.STDOUT,
                                  cwd=ROOT)
        try:
            while not handed.exists():
                if worker.poll() is not None:
                    raise SystemExit(f"jingsu dispatch ended ({worker.returncode}); see {log.name}")
                time.sleep(0.2)
            dispatch_began = handed.order_by("at").values_list("at", flat=True).first()
            time.sleep(args.pre_seconds or max(10.0, 4 * new_s))

            first_levy = Levy.objects.order_by("pk").values_list("pk", flat=True).first()
            probe = LockProbe(args.database_url, Levy._meta.db_table, first_levy)
            probe.start()
            t0 = wall.now()
            say("importing the changed roll while dispatch sends")
            changed_s, again = run_import(jingsu, changed, args.jurisdiction, env)
            t1 = wall.now()
            probe.stop.set()
            probe.join()
            left_queued = queued.count()
            alive = worker.poll() is None
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
            log.close()
    assert again["levies_updated"] == rows, again

    window = t1 - t0
    pre_from = max(t0 - window, dispatch_began)
    during = handed.filter(at__gte=t0, at__lt=t1).count()
    before = handed.filter(at__gte=pre_from, at__lt=t0).count()
    stamps = [t0, *handed.filter(at__gte=t0, at__lt=t1).order_by("at").values_list("at", flat=True).distinct(), t1]
    gap = max((b - a for a, b in itertools.pairwise(stamps)), default=timedelta(0))
    report = {
        "benchmark": "import_changed",
        "date": start.date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}",
        "rows": rows,
        "new": {"seconds": round(new_s, 1), "rows_per_s": round(rows / new_s), "levies_created": new["levies_created"]},
        "changed_while_dispatching": {
            "seconds": round(changed_s, 1), "rows_per_s": round(rows / changed_s),
            "levies_updated": again["levies_updated"], "taxpayers_updated": again["taxpayers_updated"]},
        "changed_over_new": round(new_s / changed_s, 2),
        "dispatch": {
            "workers": 1,
            "first_attempts_queued": first_attempts,
            "before": {"seconds": round((t0 - pre_from).total_seconds(), 1), "attempts": before,
                       "attempts_per_s": round(before / (t0 - pre_from).total_seconds())},
            "during": {"seconds": round(window.total_seconds(), 1), "attempts": during,
                       "attempts_per_s": round(during / window.total_seconds())},
            "during_over_before": round((during / window.total_seconds()) / (before / (t0 - pre_from).total_seconds()),
                                        2) if before else None,
            "longest_gap_during_s": round(gap.total_seconds(), 2),
            "queued_left_at_end": left_queued,
            "ran_dry": left_queued == 0,  # if true, dispatch ran out of work: "during" undercounts
            "alive_at_end": alive,
        },
        "levy_lock_probe": {"probes": probe.probes, "longest_wait_s": round(probe.longest, 2)},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
