"""Chaos check for dispatch: kill workers with SIGKILL at random moments, restart them, and count what was sent twice
or lost.

    .venv/bin/python bench/chaos_dispatch.py --notices 2000 --trials 10 [--workers 2] [--fault-rate 0.2]
        [--database-url postgresql://postgres@127.0.0.1:5432/jingsu_chaos | sqlite:///var/chaos.sqlite3]

What it does: makes a fresh database, imports a generated roll, builds and approves one campaign (no control group,
send window open all day), starts the simulator with faults on (5xx, timeouts, answers lost after the provider
accepted, slow answers), queues the campaign, and runs `--workers` `jingsu dispatch` processes against it. While
they work it kills one of them with SIGKILL at a random moment (0.3–2 s apart), `--trials` times, restarting it each
time. Then it turns faults off, lets everything settle (stuck `sending` attempts swept back, sent again with the
same key), hands paper to the post office, and prints one JSON line:

    {"trials": T, "notices": N, "duplicates": D, "lost": L, ...}

duplicates: for each provider, notices the simulator received more than one document key for (the simulator
de-duplicates on the key, so a resend with the same key is not a duplicate; two keys for one notice on one provider
would be), plus notices with two attempts on one channel in the database.
lost: notices with no attempt a provider accepted, plus keys the simulator received that the database records
neither as sent nor as refused.
Both must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from _support import fresh_database

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--notices", type=int, default=2000)
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--fault-rate", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_chaos")
    args = p.parse_args()
    rng = random.Random(args.seed)

    var = ROOT / "var" / "chaos"
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": args.database_url, "JINGSU_VAR_DIR": str(ROOT / "var"),
           "JINGSU_PROVIDER_TIMEOUT": "2", "DJANGO_SETTINGS_MODULE": "jingsu.settings"}
    fresh_database(args.database_url)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.models import Jurisdiction
    from jingsu.delivery import paper
    from jingsu.delivery import services as delivery
    from jingsu.delivery.models import AttemptStatus, DeliveryAttempt
    from jingsu.notices import services as notices
    from jingsu.notices.models import Campaign, Notice
    from jingsu.providers.registry import simulator_providers
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll
    from jingsu.simulator.process import SimulatorProcess

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    roll = var / f"roll-{args.notices}.csv"
    generate_roll(jurisdiction="11260", taxpayers=args.notices, seed=args.seed, out=roll, today=now.date())
    import_roll(roll, jurisdiction_code="11260", clock=clock)
    campaign = notices.create_campaign(Jurisdiction.by_code("11260"), name="chaos", kind="arrears",
                                       as_of=now.date(), actor="chaos:maker", clock=clock)
    notices.build_campaign(campaign, actor="chaos:maker", clock=clock)
    notices.approve_campaign(campaign, actor="chaos:checker", clock=clock)
    Campaign.objects.filter(pk=campaign.pk).update(send_window_start=dtime(0), send_window_end=dtime(0))
    campaign.refresh_from_db()

    started = time.monotonic()
    with SimulatorProcess(seed=args.seed, fault_rate=args.fault_rate, hang_seconds=3.0, slow_seconds=0.5,
                          start=now) as sim:
        providers = simulator_providers(sim.url, timeout=2.0)
        sim.control.set_faults(0.0)
        delivery.start_campaign(campaign, providers, actor="chaos:checker", clock=clock)
        sim.control.set_faults(args.fault_rate)
        worker_env = {**env, "JINGSU_PROVIDER_URL": sim.url}
        log = (var / "workers.log").open("w")

        def spawn() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "jingsu", "dispatch", "--interval", "0.1", "--stuck-after", "1",
                 "--no-paper"],
                env=worker_env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )

        workers = [spawn() for _ in range(args.workers)]
        kills = 0
        kills_during_work = 0
        for _ in range(args.trials):
            time.sleep(rng.uniform(0.3, 2.0))
            if _open_work(DeliveryAttempt, AttemptStatus, electronic_only=True):
                kills_during_work += 1
            i = rng.randrange(len(workers))
            workers[i].send_signal(signal.SIGKILL)
            workers[i].wait()
            kills += 1
            workers[i] = spawn()
        # let them work on with faults on, then settle without faults
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _open_work(DeliveryAttempt, AttemptStatus, electronic_only=True):
            time.sleep(1.0)
        sim.control.set_faults(0.0)
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        log.close()
        settle_clock = ManualClock(datetime.now(SEOUL))
        for _ in range(20):
            delivery.sweep_stuck(clock=settle_clock, older_than=timedelta(0))
            delivery.send_queued(providers, clock=settle_clock, limit=10**9)
            paper.print_batch(providers, clock=settle_clock)
            if not _open_work(DeliveryAttempt, AttemptStatus):
                break
        inspect = sim.control.inspect(counts=True)

    treated = Notice.objects.filter(campaign=campaign, control_group=False)
    attempts = list(DeliveryAttempt.objects.filter(notice__campaign=campaign)
                    .values_list("notice_id", "channel", "key", "status", "sent_at"))
    sent_keys = {key for _, _, key, _, sent in attempts if sent is not None}
    per_channel: dict[tuple[int, str], int] = defaultdict(int)
    for notice_id, channel, *_ in attempts:
        per_channel[(notice_id, channel)] += 1
    db_duplicates = sum(n - 1 for n in per_channel.values() if n > 1)

    status_of = {key: status for _, _, key, status, _ in attempts}
    sim_duplicates = 0
    untracked: list[str] = []  # keys the simulator received that the database knows neither as sent nor as refused
    for provider in ("kakao", "kt", "sms", "post"):
        counts = inspect.get(provider, {}).get("counts", {})
        by_notice: dict[str, set[str]] = defaultdict(set)
        for raw_key in counts:
            key = raw_key.split(":", 1)[1] if ":" in raw_key else raw_key  # KT: "pre:"/"main:" + src_key
            by_notice[key.rsplit("-", 1)[0]].add(key)
            if key not in sent_keys and status_of.get(key) != AttemptStatus.REJECTED:
                untracked.append(f"{provider}:{key}:{status_of.get(key)}")
        sim_duplicates += sum(len(keys) - 1 for keys in by_notice.values() if len(keys) > 1)
    never_sent = treated.exclude(attempts__sent_at__isnull=False).count()
    open_left = _open_work(DeliveryAttempt, AttemptStatus)
    result = {
        "trials": kills,
        "kills_while_work_was_open": kills_during_work,
        "notices": treated.count(),
        "duplicates": db_duplicates + sim_duplicates,
        "lost": never_sent + len(untracked),
        "untracked_sample": untracked[:5],
        "workers": args.workers,
        "fault_rate": args.fault_rate,
        "attempts": len(attempts),
        "open_after_settle": open_left,
        "faults_injected": {p: inspect.get(p, {}).get("faults", {}) for p in ("kakao", "kt", "sms", "post")},
        "seconds": round(time.monotonic() - started, 1),
        "database": "postgresql" if args.database_url.startswith("postgres") else "sqlite",
        "date": date.today().isoformat(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


def _open_work(DeliveryAttempt, AttemptStatus, electronic_only: bool = False) -> int:  # noqa: N803
    """Attempts still queued or sending (model classes are passed in: they exist only after django.setup)."""
    qs = DeliveryAttempt.objects.filter(status__in=(AttemptStatus.QUEUED, AttemptStatus.SENDING))
    if electronic_only:
        qs = qs.exclude(channel="paper")
    return qs.count()


if __name__ == "__main__":
    raise SystemExit(main())
