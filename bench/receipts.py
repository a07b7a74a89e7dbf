"""Benchmark: ingest KT result callbacks (signed, 100 records each) on PostgreSQL; report events/s.

    .venv/bin/python bench/receipts.py [--notices 20000] [--per-callback 100]

Prepares a fresh database with a built campaign whose notices each have an accepted KT attempt, then posts signed
callbacks to `POST /callbacks/kt` through Django's test client (the view, the signature check, replay protection and
the state moves run as in production; no HTTP server in between): first a 40 수신성공 record for every message, then a
60 열람확인 record for every message — 2 × notices events. Target (issue 5): ≥ 5,000 events/s.

In the same run, over the same bodies: the HMAC check alone (`verify_signature`), the JSON parsing alone
(`json.loads`), the adapter's whole decoding (`KtAdapter.parse_callback`: HMAC, JSON and the records' StatusReports),
and the floor — the same signed bodies posted through the same test client and middleware to an empty view (it reads
the body and answers `{}`), added to the URLs for this run only. CPU seconds of this process and of its PostgreSQL
backend are reported beside the wall time (the machine may be shared).

`--via gunicorn`: the callbacks and the floor's bodies go over HTTP to gunicorn (`--gunicorn-workers` sync workers,
`bench/_receipts_wsgi.py`: jingsu's application plus the empty view), from `--clients` concurrent clients; the CPU
is then gunicorn's workers' and their PostgreSQL backends'.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _cpu import BackendCpu, cpu_seconds
from _support import ROOT, bench_env, cpu_model, fresh_database, roll_campaign, start_django


def _timed(fn, items) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - t


def _over_http(base: str, bodies: list[bytes], secret: str, clients: int, master: int, backend: BackendCpu):  # type: ignore[no-untyped-def]
    """`post_all` over HTTP: `clients` threads share the bodies; CPU of gunicorn's workers and PostgreSQL backends."""
    import httpx

    from jingsu.providers.signing import sign

    for _ in range(150):  # wait for gunicorn
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)

    def workers() -> list[int]:
        try:
            return [int(p) for t in Path(f"/proc/{master}/task").iterdir()
                    for p in (t / "children").read_text().split()]
        except OSError:
            return []

    def post_all(target: str) -> tuple[float, float, float, dict[int, int]]:
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        backend.start, backend.last, backend.started = {}, {}, False
        backend.begin()
        cpu0 = {pid: cpu_seconds(pid) for pid in workers()}
        t = time.perf_counter()

        def client(share: list[bytes]) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                for body in share:
                    ts = str(int(time.time()))
                    r = http.post(target, content=body, headers={"Content-Type": "application/json",
                                                                 "X-Timestamp": ts,
                                                                 "X-Signature": sign(secret, ts, body)})
                    with lock:
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        threads = [threading.Thread(target=client, args=(bodies[i::clients],)) for i in range(clients)]
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads):
            backend.sample()
            time.sleep(0.1)
        elapsed = time.perf_counter() - t
        backend.sample()
        cpu = sum(cpu_seconds(pid) - cpu0.get(pid, 0.0) for pid in workers())
        return elapsed, cpu, backend.seconds(), statuses

    return post_all


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--notices", type=int, default=20_000)
    p.add_argument("--per-callback", type=int, default=100)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_receipts")
    p.add_argument("--via", choices=("client", "gunicorn"), default="client")
    p.add_argument("--gunicorn-workers", type=int, default=2)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--port", type=int, default=8771)
    args = p.parse_args()
    fresh_database(args.database_url)
    env = bench_env(args.database_url)
    start_django(env)
    from django.conf import settings
    from django.http import HttpRequest, JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, path
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_POST

    import jingsu.urls

    @csrf_exempt
    @require_POST
    def empty(request: HttpRequest) -> JsonResponse:  # the floor: Django's request path with nothing behind it
        return JsonResponse({"rslt_cd": "00", "length": len(request.body)})

    jingsu.urls.urlpatterns.append(path("bench/empty", empty))
    clear_url_caches()

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.db import insert_rows
    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, DeliveryEvent
    from jingsu.notices.models import Notice
    from jingsu.providers.registry import kt_callback_verifier
    from jingsu.providers.signing import sign, verify_signature

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    campaign = roll_campaign(ROOT / "var" / "bench" / f"roll-receipts-{args.notices}.csv", clock,
                             taxpayers=args.notices, seed=9, as_of=now.date(), checker=None)
    refs = list(Notice.objects.filter(campaign=campaign).values_list("pk", "reference"))
    insert_rows(DeliveryAttempt._meta.db_table,
                ["notice_id", "channel", "sequence", "key", "status", "external_id", "result_code", "cost", "tries",
                 "created_at", "updated_at", "sent_at", "read_deadline", "fallback_at"],
                [(pk, Channel.KT, 1, f"{ref}-1", AttemptStatus.ACCEPTED, f"{ref}-1", "", 94, 1, now, now, now,
                  now + timedelta(days=7), now + timedelta(days=1)) for pk, ref in refs])
    Notice.objects.filter(campaign=campaign).update(status=Notice.Status.IN_DELIVERY)

    secret = settings.JINGSU_KT_CALLBACK_SECRET
    stamp = now.astimezone(SEOUL).strftime("%Y%m%d%H%M%S")
    bodies = []
    for code in ("40", "60"):
        for start in range(0, len(refs), args.per_callback):
            records = [{"src_key": f"{ref}-1", "mms_sndg_rslt_sqno": "2" if code == "60" else "1",
                        "mms_sndg_rslt_dvcd": code, "mms_sndg_tmst": stamp, "mms_rcv_tmst": stamp,
                        "mms_rdg_tmst": stamp if code == "60" else "", "prcs_dt": stamp}
                       for _, ref in refs[start:start + args.per_callback]]
            bodies.append(json.dumps({"results": records}).encode())
    client = Client()
    events = 2 * len(refs)

    def post_all(target: str) -> tuple[float, float, float, dict[int, int]]:
        """Post every body to `target`; (wall s, CPU s of this process, CPU s of its PostgreSQL backend, statuses)."""
        statuses: dict[int, int] = {}
        pg0, cpu0, t = backend.own(), time.process_time(), time.perf_counter()
        for body in bodies:
            ts = str(int(time.time()))
            response = client.post(target, data=body, content_type="application/json",
                                   headers={"X-Timestamp": ts, "X-Signature": sign(secret, ts, body)})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        return time.perf_counter() - t, time.process_time() - cpu0, backend.own() - pg0, statuses

    backend = BackendCpu(args.database_url.rsplit("/", 1)[1])
    server = None
    if args.via == "gunicorn":
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "_receipts_wsgi", "-w", str(args.gunicorn_workers), "-b",
             f"127.0.0.1:{args.port}", "--log-level", "warning"],
            env={**env, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), env["PYTHONPATH"]])}, cwd=ROOT)
        post_all = _over_http(f"http://127.0.0.1:{args.port}", bodies, secret, args.clients, server.pid, backend)
    try:
        floor_s, floor_cpu, _, _ = post_all("/bench/empty")
        seconds, cpu, pg_cpu, statuses = post_all("/callbacks/kt")
        floor2_s, floor2_cpu, _, _ = post_all("/bench/empty")  # the floor again, after: the machine may change
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    read = DeliveryAttempt.objects.filter(status=AttemptStatus.READ).count()

    # the parts of a callback's work that are neither the database nor Django, over the same bodies
    signed = [(str(int(time.time())), body) for body in bodies]
    signed = [(ts, body, sign(secret, ts, body)) for ts, body in signed]
    at = datetime.now(SEOUL)
    hmac_s = _timed(lambda x: verify_signature(secret, x[0], x[1], x[2], at), signed)
    json_s = _timed(lambda x: json.loads(x[1]), signed)
    adapter = kt_callback_verifier(secret)
    decode_s = _timed(lambda x: adapter.parse_callback(x[1], {"X-Timestamp": x[0], "X-Signature": x[2]}, at),
                      signed)
    floor = min(floor_s, floor2_s)
    report = {
        "benchmark": "receipts",
        "via": args.via if args.via == "client" else f"gunicorn -w {args.gunicorn_workers}, {args.clients} clients",
        "date": date.today().isoformat(),
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores, {cpu_model()}",
        "load": os.getloadavg()[0],
        "callbacks": len(bodies),
        "records_per_callback": args.per_callback,
        "events": events,
        "seconds": round(seconds, 2),
        "events_per_s": round(events / seconds),
        "cpu_s": {"process": round(cpu, 2), "postgres": round(pg_cpu, 2)},
        "per_callback_ms": {"wall": round(seconds / len(bodies) * 1000, 2),
                            "process_cpu": round(cpu / len(bodies) * 1000, 2),
                            "postgres_cpu": round(pg_cpu / len(bodies) * 1000, 2),
                            "hmac": round(hmac_s / len(bodies) * 1000, 3),
                            "json": round(json_s / len(bodies) * 1000, 3),
                            "parse_callback": round(decode_s / len(bodies) * 1000, 3),
                            "empty_view": round(floor / len(bodies) * 1000, 2),
                            "empty_view_cpu": round(min(floor_cpu, floor2_cpu) / len(bodies) * 1000, 2)},
        "floor_events_per_s": round(events / floor),
        "ratio_to_floor": round(floor / seconds, 3),
        "http_statuses": statuses,
        "attempts_read": read,
        "history_rows": DeliveryEvent.objects.count(),
        "target": {"events_per_s": 5000},
    }

    print(json.dumps(report, ensure_ascii=False))
    return 0 if read == len(refs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
