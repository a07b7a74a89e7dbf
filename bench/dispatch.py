"""Benchmark: dispatch ~200,000 notices to the simulator (its rate limit lifted) with two worker processes, on
PostgreSQL.

    .venv/bin/python bench/dispatch.py [--taxpayers 200000] [--workers 2]

Prepares a fresh database with an imported roll and a built, approved campaign (send window open all day), starts
the simulator (no faults, no rate limit), queues the campaign (CI look-ups, bills, first attempts — not timed), then
starts `--workers` `jingsu dispatch --send-only --until-idle` processes and times them until nothing electronic is
queued or sending. Every attempt handed to a provider counts (a Kakao refusal queues the KT attempt, which is sent
too). Target (issue 5): ≥ 5,000 notices/s.

CPU seconds of the workers, of their PostgreSQL backends and of the simulator are reported beside the wall time (the
machine may be shared). Right after, in the same run, the simulator's own ceiling: a fresh simulator process (same
seed) takes `--workers` concurrent clients posting 100-document Kakao bulk sends back to back — the requests the
workers make, without jingsu — for at least `--ceiling-seconds`; the dispatch figure is reported as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime

from _cpu import BackendCpu, cpu_seconds
from _support import ROOT, bench_env, cpu_model, fresh_database, roll_campaign, start_django


def simulator_ceiling(*, clients: int, seconds: float, start: datetime) -> dict[str, float]:
    """Documents/s a fresh simulator takes from `clients` concurrent clients sending 100-document Kakao bulks."""
    import httpx

    from jingsu.simulator.process import SimulatorProcess

    auth = {"Authorization": "Bearer bench", "Contract-Uuid": "contract-1"}
    with SimulatorProcess(seed=5, start=start) as sim, httpx.Client(base_url=sim.url, headers=auth, timeout=30) as c:
        items = [{"ref": str(i), "registration_number": f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
                  f"{1 + i % 4}{i:06d}"} for i in range(200)]
        ci = [r["ci"] for r in c.post("/identity/v1/ci/batch", json={"items": items}).json()["items"] if r["ci"]]
        sent = [0] * clients
        deadline = time.perf_counter() + seconds

        def client(n: int) -> None:
            with httpx.Client(base_url=sim.url, headers=auth, timeout=30) as http:
                j = 0
                while time.perf_counter() < deadline:
                    docs = [{"title": "체납안내문", "receiver": {"ci": ci[k % len(ci)]},
                             "property": {"link": f"https://jingsu.example/p/c{n}-{j}-{k}", "payload": "",
                                          "message": "전자문서 도착", "external_document_uuid": f"c{n}-{j}-{k}"},
                             "read_expired_at": 1_900_000_000, "hash": "x" * 40} for k in range(100)]
                    if http.post("/kakao/v1/documents/bulk", json={"documents": docs}).status_code == 200:
                        sent[n] += 100
                    j += 1

        sim_cpu0 = cpu_seconds(sim.proc.pid) if sim.proc else 0.0
        t = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        sim_cpu = (cpu_seconds(sim.proc.pid) if sim.proc else 0.0) - sim_cpu0
    return {"documents": sum(sent), "seconds": round(elapsed, 2), "documents_per_s": round(sum(sent) / elapsed),
            "simulator_cpu_s": round(sim_cpu, 2),
            "simulator_cpu_us_per_document": round(sim_cpu / max(sum(sent), 1) * 1e6)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--taxpayers", type=int, default=200_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_dispatch")
    p.add_argument("--ceiling-seconds", type=float, default=5.0)
    args = p.parse_args()
    env = bench_env(args.database_url)
    fresh_database(args.database_url)
    start_django(env)
    from jingsu.clock import SEOUL, ManualClock
    from jingsu.delivery import services as delivery
    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
    from jingsu.providers.registry import simulator_providers
    from jingsu.simulator.process import SimulatorProcess

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    campaign = roll_campaign(ROOT / "var" / "bench" / f"roll-dispatch-{args.taxpayers}.csv", clock,
                             taxpayers=args.taxpayers, seed=5, as_of=now.date(), open_window=True)
    electronic = (Channel.KAKAO, Channel.KT, Channel.SMS)
    open_work = DeliveryAttempt.objects.filter(channel__in=electronic,
                                               status__in=(AttemptStatus.QUEUED, AttemptStatus.SENDING))
    with SimulatorProcess(seed=5, start=now) as sim:
        providers = simulator_providers(sim.url)
        delivery.start_campaign(campaign, providers, actor="bench:checker", clock=clock)
        queued = open_work.count()
        worker_env = {**env, "JINGSU_PROVIDER_URL": sim.url}
        backends = BackendCpu(args.database_url.rsplit("/", 1)[1])
        backends.begin()
        sim_cpu0 = cpu_seconds(sim.proc.pid) if sim.proc else 0.0
        t = time.monotonic()
        workers = [subprocess.Popen([sys.executable, "-m", "jingsu", "dispatch", "--send-only", "--until-idle",
                                     "--interval", "0.2"], env=worker_env, cwd=ROOT) for _ in range(args.workers)]
        while open_work.exists():
            backends.sample()
            time.sleep(0.2)
        seconds = time.monotonic() - t
        sim_cpu = (cpu_seconds(sim.proc.pid) if sim.proc else 0.0) - sim_cpu0
        worker_cpu = 0.0
        for w in workers:
            backends.sample()
            _, _, usage = os.wait4(w.pid, 0)  # the worker's own CPU, reaped here
            w.returncode = 0
            worker_cpu += usage.ru_utime + usage.ru_stime
        handed = DeliveryAttempt.objects.filter(channel__in=electronic, tries__gt=0).count()
        inspect = sim.control.inspect()
    ceiling = simulator_ceiling(clients=args.workers, seconds=args.ceiling_seconds, start=now)
    report = {
        "benchmark": "dispatch",
        "date": date.today().isoformat(),
        "workers": args.workers,
        "first_attempts_queued": queued,
        "attempts_sent": handed,
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores, {cpu_model()}",
        "load": os.getloadavg()[0],
        "seconds": round(seconds, 1),
        "notices_per_s": round(handed / seconds),
        "cpu_s": {"workers": round(worker_cpu, 1), "postgres": round(backends.seconds(), 1),
                  "simulator": round(sim_cpu, 1)},
        "cpu_us_per_attempt": {"workers": round(worker_cpu / handed * 1e6), "postgres":
                               round(backends.seconds() / handed * 1e6), "simulator": round(sim_cpu / handed * 1e6)},
        "simulator_ceiling": ceiling,
        "ratio_to_ceiling": round(handed / seconds / ceiling["documents_per_s"], 3),
        "simulator_duplicates": {p: len(inspect.get(p, {}).get("duplicates", [])) for p in ("kakao", "kt", "sms")},
        "target": {"notices_per_s": 5000},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
