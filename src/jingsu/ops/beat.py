"""`jingsu beat`: Celery beat (the schedule in settings.CELERY_BEAT_SCHEDULE), one per deployment.

Two beats would queue every periodic task twice. The tasks are idempotent, so that would be harmless but wasteful —
and a second beat is almost always a mistake (a unit enabled on two machines). So beat holds a lock for its whole
life and a second one refuses to start:
- on PostgreSQL, a session-level advisory lock on its own connection (released by the server when the process dies,
  whatever killed it);
- on SQLite (one machine), an exclusive `flock` on var/beat.lock (released by the kernel the same way).

PostgreSQL also releases the advisory lock when it restarts (the lock's connection is gone). A thread checks the
lock's connection every few seconds; when it is lost, it takes the lock again on a new connection as soon as the
database answers — or, if another beat took it in between, stops this one (SIGTERM to itself), so there is never
more than one for longer than a check (the fault drill, bench/drill.py, restarts PostgreSQL under a running beat).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.conf import settings

from jingsu.core.db import connection_params

log = logging.getLogger(__name__)

#: The advisory lock's key: a fixed 64-bit number no other part of jingsu uses.
BEAT_LOCK_KEY = 0x6A696E677375_62


class BeatAlreadyRunning(Exception):
    pass


#: Seconds between two checks of the advisory lock's connection (PostgreSQL).
LOCK_CHECK_SECONDS = 5.0


def _take_lock() -> Any:
    """A new connection holding the advisory lock, or None when another process holds it (psycopg.Error when the
    database does not answer)."""
    import psycopg

    conn = psycopg.connect(**connection_params(), autocommit=True, connect_timeout=5)
    (got,) = conn.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()  # type: ignore[misc]
    if not got:
        conn.close()
        return None
    return conn


class _LockKeeper(threading.Thread):
    """Checks the lock's connection every `every` seconds and takes the lock again after the database lost it."""

    def __init__(self, conn: Any, every: float) -> None:
        super().__init__(name="beat-lock", daemon=True)
        self.conn, self.every, self.stopping = conn, every, threading.Event()

    def run(self) -> None:
        import psycopg

        while not self.stopping.wait(self.every):
            try:
                self.conn.execute("SELECT 1")
                continue
            except psycopg.Error:
                log.warning("정기 작업 시계(beat)의 잠금 연결이 끊겼습니다 (데이터베이스 재시작?). 잠금을 다시 잡습니다.")
            with suppress(psycopg.Error):
                self.conn.close()
            while not self.stopping.is_set():
                try:
                    conn = _take_lock()
                except psycopg.Error:
                    self.stopping.wait(1.0)  # the database is not back yet
                    continue
                if conn is None:
                    log.error("다른 정기 작업 시계(beat)가 그사이 잠금을 잡았습니다. 이 정기 작업 시계를 멈춥니다.")
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                self.conn = conn
                log.warning("정기 작업 시계(beat)가 잠금을 다시 잡았습니다.")
                break

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        with suppress(Exception):
            self.conn.close()


@contextmanager
def beat_lock(check_every: float = LOCK_CHECK_SECONDS) -> Iterator[None]:
    """Held for as long as the `with` body runs; BeatAlreadyRunning when another process holds it."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        conn = _take_lock()
        if conn is None:
            raise BeatAlreadyRunning
        keeper = _LockKeeper(conn, check_every)
        keeper.start()
        try:
            yield
        finally:
            keeper.stop()
        return
    from jingsu.core.files import private_dir

    private_dir(settings.VAR_DIR)
    fd = os.open(settings.VAR_DIR / "beat.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BeatAlreadyRunning from None
        yield
    finally:
        os.close(fd)


def run_beat(app: Any, args: list[str]) -> int:
    """Celery beat of `app` (the Celery application, handed down by `jingsu.cli`, the floor above) under the lock."""
    if not app.conf.broker_url or app.conf.task_always_eager:
        print("CELERY_BROKER_URL이 설정되지 않았습니다. 정기 작업 시계(beat)는 작업 대기열이 있어야 합니다.", file=sys.stderr)
        return 2
    try:
        with beat_lock():
            schedule = str(settings.VAR_DIR / "celerybeat-schedule")
            app.start(["beat", "--loglevel=INFO", "--schedule", schedule, *args])
    except BeatAlreadyRunning:
        print("다른 정기 작업 시계(beat)가 이미 실행 중입니다. 배포 전체에 하나만 실행하십시오.", file=sys.stderr)
        return 3
    return 0
