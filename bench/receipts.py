"""Benchmark: ingest KT result callbacks (signed, 100 records each) on PostgreSQL; report events/s.

    .venv/bin/python bench/receipts.py [--notices 20000] [--per-callback 100]

Prepares a fresh database with a built campaign whose notices each have an accepted KT attempt, then posts signed
callbacks to `POST /callbacks/kt` through Django's test client (the view, the signature check, replay protection and
the state moves run as in production; no HTTP server in between): first a 40 수신성공 record for every message, then a
60 열람확인 record for every message — 2 × notices events. Target (issue 5): ≥ 5,000 events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _support import fresh_database

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--notices", type=int, default=20_000)
    p.add_argument("--per-callback", type=int, default=100)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/jingsu_bench_receipts")
    args = p.parse_args()
    fresh_database(args.database_url)
    os.environ.update({"DATABASE_URL": args.database_url, "JINGSU_VAR_DIR": str(ROOT / "var"),
                       "DJANGO_SETTINGS_MODULE": "jingsu.settings"})
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    from jingsu.clock import SEOUL, ManualClock
    from jingsu.core.db import insert_rows
    from jingsu.core.models import Jurisdiction
    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, DeliveryEvent
    from jingsu.notices import services as notices
    from jingsu.notices.models import Notice
    from jingsu.providers.signing import sign
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll

    now = datetime.now(SEOUL)
    clock = ManualClock(now)
    roll = ROOT / "var" / "bench" / f"roll-receipts-{args.notices}.csv"
    roll.parent.mkdir(parents=True, exist_ok=True)
    if not roll.exists():
        generate_roll(jurisdiction="11260", taxpayers=args.notices, seed=9, out=roll, today=now.date())
    import_roll(roll, jurisdiction_code="11260", clock=clock)
    campaign = notices.create_campaign(Jurisdiction.by_code("11260"), name="bench", kind="arrears",
                                       as_of=now.date(), actor="bench:maker", clock=clock)
    notices.build_campaign(campaign, actor="bench:maker", clock=clock)
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
    t = time.monotonic()
    statuses: dict[int, int] = {}
    for body in bodies:
        ts = str(int(time.time()))
        response = client.post("/callbacks/kt", data=body, content_type="application/json",
                               headers={"X-Timestamp": ts, "X-Signature": sign(secret, ts, body)})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    seconds = time.monotonic() - t
    events = 2 * len(refs)
    read = DeliveryAttempt.objects.filter(status=AttemptStatus.READ).count()
    report = {
        "benchmark": "receipts",
        "date": date.today().isoformat(),
        "callbacks": len(bodies),
        "records_per_callback": args.per_callback,
        "events": events,
        "seconds": round(seconds, 1),
        "events_per_s": round(events / seconds),
        "http_statuses": statuses,
        "attempts_read": read,
        "history_rows": DeliveryEvent.objects.count(),
        "target": {"events_per_s": 5000},
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0 if read == len(refs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
