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


def _beat_env(tmp_path: Path, *, lock_on_postgresql: bool = False) -> dict[str, str]:
    """The environment of a real beat against the test broker and this test's database (skips without them)."""
    from django.db import connection

    if lock_on_postgresql and connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's (SQLite's flock cannot be lost)")
    if not _reachable(BROKER):
        pytest.skip(f"no broker at {BROKER}")
    return {**os.environ, "CELERY_BROKER_URL": BROKER, "DATABASE_URL": _database_url(),
            "JINGSU_VAR_DIR": str(tmp_path)}


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
    env = _beat_env(tmp_path)
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


def _lock_holders(cur) -> list[int]:
    from jingsu.ops.beat import BEAT_LOCK_KEY

    cur.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::bigint << 32) | objid::bigint) = %s", [BEAT_LOCK_KEY])
    return [pid for (pid,) in cur.fetchall()]


def _end_the_locks_connection(cur) -> int:
    """End the backend holding the beat's lock, as a PostgreSQL restart does; its pid."""
    (first,) = _wait_until(lambda: _lock_holders(cur))
    cur.execute("SELECT pg_terminate_backend(%s)", [first])
    return first


def _wait_until(what, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_takes_its_lock_again_when_the_database_drops_it(tmp_path):
    """A PostgreSQL restart ends the lock's connection and so releases the lock: the beat takes it again on a new
    connection (the restart is played by ending that connection's backend, as the restart does)."""
    from django.db import connection

    env = _beat_env(tmp_path, lock_on_postgresql=True)
    beat = _beat(env, tmp_path / "beat.log")
    try:
        _wait_for(tmp_path / "beat.log", "beat: Starting")
        with connection.cursor() as cur:
            first = _end_the_locks_connection(cur)
            again = _wait_until(lambda: [p for p in _lock_holders(cur) if p != first])
        assert len(again) == 1
        _wait_for(tmp_path / "beat.log", "잠금을 다시 잡았습니다")
        assert beat.poll() is None
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=20)


@pytest.mark.broker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_stops_when_another_took_the_lock_while_it_was_lost(tmp_path):
    from django.db import connection

    from jingsu.ops.beat import BEAT_LOCK_KEY

    env = _beat_env(tmp_path, lock_on_postgresql=True)
    beat = _beat(env, tmp_path / "beat.log")
    try:
        _wait_for(tmp_path / "beat.log", "beat: Starting")
        with connection.cursor() as cur:
            _end_the_locks_connection(cur)

            def take() -> bool:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
                return bool(cur.fetchone()[0])

            _wait_until(take, seconds=4)  # before the beat's next check (every 5 s): this session is "another beat"
            try:
                assert beat.wait(timeout=30) is not None
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", [BEAT_LOCK_KEY])
        assert "다른 정기 작업 시계(beat)가 그사이 잠금을 잡았습니다" in (tmp_path / "beat.log").read_text()
    finally:
        if beat.poll() is None:
            os.killpg(beat.pid, signal.SIGKILL)
            beat.wait(timeout=20)


def _schedule_under(intervals: str) -> subprocess.CompletedProcess[str]:
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps({k: [v['schedule'], v['options']['expires']] "
            "for k, v in settings.CELERY_BEAT_SCHEDULE.items()}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "jingsu.settings",
                               "JINGSU_BEAT_INTERVALS": intervals})


def test_an_office_can_change_an_interval_of_the_beat_and_a_wrong_name_stops_the_start():
    import json

    ran = _schedule_under("read-bank-feed=30, poll-statuses=120")
    schedule = json.loads(ran.stdout)
    assert schedule["read-bank-feed"] == [30.0, 30.0] and schedule["poll-statuses"] == [120.0, 120.0]
    assert schedule["send-queued"] == [10.0, 10.0]  # the others as they were; a tick expires after its interval
    for wrong in ("read-bank=30", "read-bank-feed=0", "read-bank-feed=soon", "read-bank-feed"):
        ran = _schedule_under(wrong)
        assert ran.returncode != 0
        assert "JINGSU_BEAT_INTERVALS" in ran.stderr and "이름=초 형식으로" in ran.stderr, wrong
