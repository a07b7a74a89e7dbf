"""`jingsu dispatch [--once] [--interval S] [--until-idle]` — run the delivery cycle in this process.

One cycle: put back attempts a dead worker left in `sending` → start campaigns whose 발송 예약 time has come → send
what is queued (inside send windows) → ask the providers for statuses → queue fallbacks → send again → hand paper to
the post office → read the bank feed → 분할 납부 (installment bills to the bank, reminder SMS before due dates) →
mark campaigns whose every notice reached an end as completed.
A database error in a step (a race with another process: unique constraint, deadlock, lock timeout) is reported and
the cycle goes on with the next step; the loop never ends on one (`--once` exits with 1). Then it fails roll
uploads stuck in validation or import (their worker died) and, when there is no broker, runs the roll uploads'
waiting steps (validation, import: the console never runs them in the web request).
Several dispatch processes (or Celery workers) can run at once: work is claimed with SKIP LOCKED on PostgreSQL and
every move is guarded, so nothing is sent twice. With a broker, `jingsu beat` queues the same cycle as tasks for `jingsu worker`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from jingsu.assistance import services as assistance
from jingsu.core.runtime import runtime
from jingsu.delivery import control, paper
from jingsu.delivery import services as delivery
from jingsu.payments import services as payments
from jingsu.providers.base import BankFeedError, ProviderError
from jingsu.staff import payment_uploads, roll_uploads

T = TypeVar("T")


class Command(BaseCommand):
    step_errors = 0  # steps of the current cycle that ended on a database error

    help = "발송 주기(재시도 정리 → 발송 → 상태 조회 → 다음 채널 → 종이 → 수납)를 이 프로세스에서 실행합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="한 번만 실행")
        parser.add_argument("--interval", type=float, default=10.0, help="주기 사이 대기(초)")
        parser.add_argument("--until-idle", action="store_true", help="보낼 것이 없으면 끝냄")
        parser.add_argument("--no-paper", action="store_true", help="종이 묶음을 만들지 않음")
        parser.add_argument("--send-only", action="store_true", help="발송만 (상태 조회·재발송·종이·수납 없음)")
        parser.add_argument("--stuck-after", type=float, default=600.0, help="sending에 머문 시도를 되돌릴 시간(초)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from jingsu.providers.registry import configured_providers

        try:
            providers = configured_providers()
        except RuntimeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        stopping = threading.Event()

        def stop(*_: object) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping.is_set():
            self.step_errors = 0
            try:
                sent = self.cycle(providers, opts)
            except ProviderError as exc:
                # a provider that is down or refusing: nothing is lost (claimed attempts are swept back and sent
                # again with the same keys), so a loop waits and tries again; --once reports it
                if opts["once"]:
                    raise CommandError(f"발송 기관 오류: {exc}", returncode=1) from None
                self.stderr.write(f"발송 기관 오류: {exc} — {opts['interval']:g}초 뒤 다시 시도합니다.")
                sent = -1
            if opts["once"] and self.step_errors:
                raise CommandError(f"오류로 끝내지 못한 단계가 {self.step_errors}개 있습니다 (위의 메시지).",
                                   returncode=1)
            if opts["once"] or (opts["until_idle"] and sent == 0):
                break
            if not (opts["send_only"] and sent > 0):
                stopping.wait(opts["interval"])  # a signal ends the wait at once

    def step(self, name: str, fn: Callable[[], T], default: T,
             also: tuple[type[Exception], ...] = ()) -> T:
        """Run one step of the cycle. A database error in it — a race with another dispatcher or worker (a unique
        constraint, a deadlock, a serialisation failure, SQLite's lock timeout) — is reported and the cycle goes on
        with the next step; every step can run again next cycle (guarded moves, idempotency keys, the feed's
        cursor), so nothing is lost and the loop never ends on a race."""
        try:
            return fn()
        except DatabaseError as exc:
            self.step_errors += 1
            # the failed transaction was rolled back by atomic(); drop a connection the error left unusable
            connection.close_if_unusable_or_obsolete()
            self.stderr.write(f"{name} 단계에서 데이터베이스 오류: {type(exc).__name__}: {exc} — 다음 주기에 다시 "
                              "시도합니다.")
            return default
        except also as exc:
            self.step_errors += 1
            self.stderr.write(f"{name} 단계 오류: {exc} — 다음 주기에 다시 시도합니다.")
            return default

    def cycle(self, providers: Any, opts: dict[str, Any]) -> int:
        """One turn; returns how many attempts and paper items were handed over."""
        from datetime import timedelta

        self.step("재시도 정리", lambda: delivery.sweep_stuck(older_than=timedelta(seconds=opts["stuck_after"]), clock=runtime().clock), 0)
        self.step("예약 발송", lambda: control.start_scheduled(providers, clock=runtime().clock), [])
        sent = self.step("발송", lambda: delivery.send_queued(providers, limit=10**9, clock=runtime().clock), 0)
        if opts["send_only"]:
            return sent
        self.step("상태 조회", lambda: delivery.poll_statuses(providers, clock=runtime().clock), None)
        self.step("다음 채널", lambda: delivery.fallback_due(clock=runtime().clock), None)
        sent += self.step("재발송", lambda: delivery.send_queued(providers, limit=10**9, clock=runtime().clock), 0)
        if not opts["no_paper"]:
            sent += self.step("종이", lambda: paper.print_batch(providers, clock=runtime().clock), 0)
        # a feed line jingsu refuses (BankFeedError) stops the feed before it, not the cycle
        self.step("수납", lambda: payments.read_bank_feed(providers, clock=runtime().clock), None, also=(BankFeedError,))
        # 분할 납부: the bills of newly approved installments to the bank, reminders before their due dates
        self.step("분할 납부", lambda: assistance.run_cycle(providers, clock=runtime().clock), None, also=(ProviderError,))
        self.step("완료 처리", lambda: control.complete_finished(clock=runtime().clock), [])
        self.step("체납 자료 정리", lambda: roll_uploads.sweep_stuck(clock=runtime().clock), 0)
        self.step("수납 파일 정리", lambda: payment_uploads.sweep_stuck(clock=runtime().clock), 0)
        if settings.CELERY_TASK_ALWAYS_EAGER:  # with a broker, the workers run them as tasks
            self.step("체납 자료 가져오기", lambda: roll_uploads.run_pending(), 0)
            self.step("수납 파일 가져오기", lambda: payment_uploads.run_pending(), 0)
        return sent
