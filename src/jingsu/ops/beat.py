"""`jingsu beat`: Celery beat (the schedule in settings.CELERY_BEAT_SCHEDULE), one per deployment.

Two beats would queue every periodic task twice. The tasks are idempotent, so that would be harmless but wasteful —
and a second beat is almost always a mistake (a unit enabled on two machines). So beat holds a lock for its whole
life and a second one refuses to start:
- on PostgreSQL, a session-level advisory lock on its own connection (released by the server when the process dies,
  whatever killed it);
- on SQLite (one machine), an exclusive `flock` on var/beat.lock (released by the kernel the same way).
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from jingsu.core.db import connection_params

#: The advisory lock's key: a fixed 64-bit number no other part of jingsu uses.
BEAT_LOCK_KEY = 0x6A696E677375_62


class BeatAlreadyRunning(Exception):
    pass


@contextmanager
def beat_lock() -> Iterator[None]:
    """Held for as long as the `with` body runs; BeatAlreadyRunning when another process holds it."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        with psycopg.connect(**connection_params(), autocommit=True) as lock_conn:
            (got,) = lock_conn.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()  # type: ignore[misc]
            if not got:
                raise BeatAlreadyRunning
            yield
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
