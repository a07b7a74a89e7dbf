"""The fault drill's short version (issue #19): the production topology — gunicorn, two Celery workers and a beat on
the local RabbitMQ, Redis, a PostgreSQL cluster of the drill's own and the simulator — sends 3,000 notices through
Celery while a worker is killed, RabbitMQ and PostgreSQL are restarted and the simulator fails; then nothing is sent
twice, nothing is lost, everything is settled, every bank payment is booked once and a backup restores
(bench/drill.py, whose docstring says how each is counted). The full drill (50,000 notices) is in
docs/benchmarks.md.

It runs in the PostgreSQL leg of the suite only: it starts its own PostgreSQL cluster whatever the suite's database
is, so running it twice would prove nothing more."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_worker import _reachable

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.broker
def test_the_short_fault_drill_loses_nothing_and_sends_nothing_twice(tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the drill runs in the PostgreSQL leg (it starts a PostgreSQL cluster of its own)")
    if not shutil.which("rabbitmqctl") or not _reachable("amqp://127.0.0.1:5672"):
        pytest.skip("the drill needs the local RabbitMQ and rabbitmqctl")
    out = tmp_path / "drill.json"
    # the drill makes the whole environment of its topology (production-like secrets included): none of the suite's
    # settings — its database, the simulator's published secrets — may leak into it
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JINGSU_", "DJANGO_", "CELERY_")) and k not in ("DATABASE_URL", "REDIS_URL")}
    drill = subprocess.Popen([sys.executable, str(ROOT / "bench" / "drill.py"), "--short", "--json", str(out),
                              "--redis-db", "12"],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = drill.communicate(timeout=1200)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the drill's clean-up stops its workers and cluster and puts RabbitMQ back
        drill.terminate()
        _, stderr = drill.communicate(timeout=180)
        raise AssertionError(
            f"the drill did not finish in 20 minutes (it gives up waiting after 10):\n{stderr}") from None
    assert out.exists(), stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["notices"] > 2500
    # every fault happened, and happened while there was work to lose
    faults = result["faults"]
    assert set(faults) >= {"faults", "kill", "rabbitmq", "postgresql", "pay"}
    for name in ("kill", "rabbitmq", "postgresql"):
        assert faults[name]["open_work"] > 0, f"{name}: no open work when it struck"
    assert any(e["event"].startswith("worker killed") and e["sending_at_kill"] for e in result["timeline"])
    assert sum(result["faults_injected"]["kakao"].values()) > 0
    # what the drill promises
    assert result["duplicates"] == 0, result["untracked_sample"]
    assert result["lost"] == 0, result["untracked_sample"]
    assert result["unsettled"] == 0, {k: result[k] for k in ("open_attempts", "awaiting_report",
                                                            "final_state_by_channel", "timeline")}
    payments = result["payments"]
    assert payments["paid_by_drill"] > 0 and payments["feed_transactions"] >= payments["paid_by_drill"]
    assert payments["booked_once"], payments
    assert result["backup"]["verified"], result["backup"]
    assert result["passed"] and drill.returncode == 0, stderr[-3000:]
