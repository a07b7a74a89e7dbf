"""`jingsu beat` runs once per deployment: a second one refuses to start while the first lives, and the lock goes
with the first's process however it dies (jingsu.ops.beat)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_worker import BROKER, _database_url, _reachable


def _beat(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "jingsu", "beat"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(path: Path, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path.read_text(errors='replace')}")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_beat_refuses_to_start_and_the_lock_dies_with_the_first(tmp_path):
    if not _reachable(BROKER):
        pytest.skip(f"no broker at {BROKER}")
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "DATABASE_URL": _database_url(),
           "JINGSU_VAR_DIR": str(tmp_path)}
    first = _beat(env, tmp_path / "first.log")
    try:
        _wait_for(tmp_path / "first.log", "beat: Starting")
        second = subprocess.run([sys.executable, "-m", "jingsu", "beat"], env=env, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 3
        assert "다른 정기 작업 시계(beat)가 이미 실행 중입니다" in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=20)
    third = _beat(env, tmp_path / "third.log")
    try:
        _wait_for(tmp_path / "third.log", "beat: Starting")
        assert third.poll() is None
    finally:
        os.killpg(third.pid, signal.SIGTERM)
        third.wait(timeout=20)
