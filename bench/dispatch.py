"""Benchmark: dispatch ~200,000 notices to the simulator (its rate limit lifted) with two worker processes, on
PostgreSQL.

    .venv/bin/python bench/dispatch.py [--taxpayers 200000] [--workers 2]

Prepares a fresh database with an imported roll and a built, approved campaign (send window open all day), starts
the simulator (no faults, no rate limit), queues the campaign (CI look-ups, bills, first attempts — not timed), then
starts `--workers` `jingsu dispatch --send-only --until-idle` processes and times them until nothing electronic is
queued or sending. Every attempt handed to a provider counts (a Kakao refusal queues the KT attempt, which is sent
too). Target (issue 5): ≥ 5,000 notices/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

from _support import fresh_database

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=200_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_dispatch")
    args = p.parse_args()
    env = {**os.environ, "DATABASE_URL": args.database_url, "JINGSU_VAR_DIR": str(ROOT / "var"),
           "DJANGO_SETTINGS_MODULE": "jingsu.settings"}
    fresh_database(args.database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.models import Jurisdiction
    from jingsu.delivery import services as delivery
    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
    from jingsu.notices import services as notices
    from jingsu.notices.models import Campaign
    from jingsu.providers.registry import simulator_providers
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll
    from jingsu.simulator.process import SimulatorProcess

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    roll = ROOT / "var" / "bench" / f"roll-dispatch-{args.taxpayers}.csv"
    roll.parent.mkdir(parents=True, exist_ok=True)
    if not roll.exists():
        generate_roll(jurisdiction="11260", taxpayers=args.taxpayers, seed=5, out=roll, today=now.date())
    import_roll(roll, jurisdiction_code="11260", clock=clock)
    campaign = notices.create_campaign(Jurisdiction.by_code("11260"), name="bench", kind="arrears",
                                       as_of=now.date(), actor="bench:maker", clock=clock)
    notices.build_campaign(campaign, actor="bench:maker", clock=clock)
    notices.approve_campaign(campaign, actor="bench:checker", clock=clock)
    Campaign.objects.filter(pk=campaign.pk).update(send_window_start=dtime(0), send_window_end=dtime(0))
    campaign.refresh_from_db()
    electronic = (Channel.KAKAO, Channel.KT, Channel.SMS)
    open_work = DeliveryAttempt.objects.filter(channel__in=electronic,
                                               status__in=(AttemptStatus.QUEUED, AttemptStatus.SENDING))
    with SimulatorProcess(seed=5, start=now) as sim:
        providers = simulator_providers(sim.url)
        delivery.start_campaign(campaign, providers, actor="bench:checker", clock=clock)
        queued = open_work.count()
        worker_env = {**env, "JINGSU_PROVIDER_URL": sim.url}
        t = time.monotonic()
        workers = [subprocess.Popen([sys.executable, "-m", "jingsu", "dispatch", "--send-only", "--until-idle",
                                     "--interval", "0.2"], env=worker_env, cwd=ROOT) for _ in range(args.workers)]
        while open_work.exists():
            time.sleep(0.2)
        seconds = time.monotonic() - t
        for w in workers:
            w.wait(timeout=60)
        handed = DeliveryAttempt.objects.filter(channel__in=electronic, tries__gt=0).count()
        inspect = sim.control.inspect()
    report = {
        "benchmark": "dispatch",
        "date": date.today().isoformat(),
        "workers": args.workers,
        "first_attempts_queued": queued,
        "attempts_sent": handed,
        "seconds": round(seconds, 1),
        "notices_per_s": round(handed / seconds),
        "simulator_duplicates": {p: len(inspect.get(p, {}).get("duplicates", [])) for p in ("kakao", "kt", "sms")},
        "target": {"notices_per_s": 5000},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
