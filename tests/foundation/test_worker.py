"""A real Celery worker, in its own process, against the local Redis broker, doing real work in the database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from jingsu.notices import services as notices
from jingsu.notices.models import Campaign
from jingsu.rolls.importer import import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
BROKER = os.environ.get("JINGSU_TEST_BROKER", "redis://127.0.0.1:6379/14")


def _reachable(url: str) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0].split("@")[-1]
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_builds_a_campaign(clock, tmp_path):
    if not _reachable(BROKER):
        pytest.skip(f"no broker at {BROKER}")
    from jingsu.core.models import Jurisdiction

    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(Jurisdiction.objects.get(code="11260"), name="워커", kind="arrears",
                                       as_of=date(2026, 11, 23), actor="maker", clock=clock)
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": BROKER,
           "DATABASE_URL": _database_url(), "JINGSU_VAR_DIR": str(Path("var").resolve())}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "jingsu", "worker", "--pool", "solo", "--concurrency", "1",
         "--without-mingle", "--without-gossip", "-Q", "jingsu-test"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        client = Celery(broker=BROKER, backend=BROKER)
        result = client.send_task("jingsu.notices.build_campaign", args=[campaign.pk, "worker-test"],
                                  queue="jingsu-test")
        summary = result.get(timeout=90)
        assert summary["notices"] == 3 and summary["lines"] == 4
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.BUILT
        assert campaign.notices.count() == 3
        # the same task delivered again (at-least-once) does no harm
        again = client.send_task("jingsu.notices.build_campaign", args=[campaign.pk, "worker-test"],
                                 queue="jingsu-test").get(timeout=60)
        assert again["already_built"] == 1 and campaign.notices.count() == 3
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
        time.sleep(0.1)
