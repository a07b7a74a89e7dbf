"""Benchmark: simulator throughput for bulk calls from 8 concurrent clients.

    .venv/bin/python bench/simulator_bulk.py [--clients 8] [--requests 60]

Starts the simulator as a subprocess (as tests and the demo do), then each client alternates a 100-document Kakao
bulk send and a 100-id SMS status poll. Prints requests/s and items/s. The simulator is a test double, so there is
no target; the figure tells how far the delivery benchmarks are limited by the simulator rather than by jingsu.
"""

from __future__ import annotations

import argparse
import threading
import time

import httpx

from jingsu.clock import SystemClock
from jingsu.simulator.process import SimulatorProcess

AUTH = {"Authorization": "Bearer bench", "Contract-Uuid": "contract-1"}


def numbers(n: int) -> list[str]:
    return [f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{1 + i % 4}{i:06d}" for i in range(n)]


def kakao_doc(key: str, ci: str) -> dict:
    return {
        "title": "체납안내문",
        "receiver": {"ci": ci},
        "property": {"link": f"https://jingsu.example/p/{key}", "payload": "", "message": "전자문서 도착",
                     "external_document_uuid": key},
        "read_expired_at": 1_900_000_000,
        "hash": "x" * 40,
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=60)
    args = p.parse_args()
    with SimulatorProcess(start=SystemClock().now(), seed=11) as sim:
        with httpx.Client(base_url=sim.url, headers=AUTH, timeout=10) as http:
            items = [{"ref": str(i), "registration_number": n} for i, n in enumerate(numbers(110))]
            ci = [r["ci"] for r in http.post("/identity/v1/ci/batch", json={"items": items}).json()["items"]
                  if r["ci"]]
            ids = [
                r["message_id"]
                for r in http.post(
                    "/sms/v1/messages",
                    json={"messages": [{"key": f"tp-{i}", "to": f"010{i:08d}", "text": "안내", "payload": ""}
                                       for i in range(100)]},
                ).json()["messages"]
            ]
        errors: list[int] = []

        def worker(t: int) -> None:
            with httpx.Client(base_url=sim.url, headers=AUTH, timeout=10) as c:
                for j in range(args.requests):
                    if j % 2:
                        r = c.post("/sms/v1/status", json={"message_ids": ids})
                    else:
                        docs = [kakao_doc(f"b-{t}-{j}-{k}", ci[k % len(ci)]) for k in range(100)]
                        r = c.post("/kakao/v1/documents/bulk", json={"documents": docs})
                    if r.status_code != 200:
                        errors.append(r.status_code)

        start = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - start
    rate = args.clients * args.requests / elapsed
    print(f"clients={args.clients} requests={args.clients * args.requests} errors={len(errors)} "
          f"elapsed={elapsed:.2f}s requests/s={rate:.0f} items/s={rate * 100:.0f}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
