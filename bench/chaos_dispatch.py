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
import random
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

from _support import ROOT, bench_env, duplicates_and_losses, fresh_database, roll_campaign, start_django


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
    env = bench_env(args.database_url, JINGSU_PROVIDER_TIMEOUT="2")
    fresh_database(args.database_url)
    start_django(env)

    from jingsu.clock import SEOUL, ManualClock
    from jingsu.delivery import paper
    from jingsu.delivery import services as delivery
    from jingsu.delivery.models import AttemptStatus, DeliveryAttempt
    from jingsu.notices.models import Notice
    from jingsu.providers.registry import simulator_providers
    from jingsu.simulator.process import SimulatorProcess

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    campaign = roll_campaign(var / f"roll-{args.notices}.csv", clock, taxpayers=args.notices, seed=args.seed,
                             as_of=now.date(), cached=False, name="chaos", maker="chaos:maker",
                             checker="chaos:checker", open_window=True)

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
    counted = duplicates_and_losses(campaign, inspect)
    open_left = _open_work(DeliveryAttempt, AttemptStatus)
    result = {
        "trials": kills,
        "kills_while_work_was_open": kills_during_work,
        "notices": treated.count(),
        "duplicates": counted["duplicates"],
        "lost": counted["lost"],
        "untracked_sample": counted["untracked_sample"],
        "workers": args.workers,
        "fault_rate": args.fault_rate,
        "attempts": counted["attempts"],
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
