"""`jingsu dispatch [--once] [--interval S] [--until-idle]` — run the delivery cycle in this process.

One cycle: put back attempts a dead worker left in `sending` → start campaigns whose 발송 예약 time has come → send
what is queued (inside send windows) → ask the providers for statuses → queue fallbacks → send again → hand paper to
the post office → read the bank feed → mark campaigns whose every notice reached an end as completed → fail roll
uploads stuck in validation or import (their worker died) and, when there is no broker, run the roll uploads' waiting
steps (validation, import: the console never runs them in the web request).
Several dispatch processes (or Celery workers) can run at once: work is claimed with SKIP LOCKED on PostgreSQL and
every move is guarded, so nothing is sent twice. With a broker, `jingsu worker --beat` runs the same cycle as tasks.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.delivery import control
from jingsu.delivery import services as delivery
from jingsu.payments import services as payments
from jingsu.providers.base import ProviderError
from jingsu.staff import roll_uploads


class Command(BaseCommand):
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
            try:
                sent = self.cycle(providers, opts)
            except ProviderError as exc:
                # a provider that is down or refusing: nothing is lost (claimed attempts are swept back and sent
                # again with the same keys), so a loop waits and tries again; --once reports it
                if opts["once"]:
                    raise CommandError(f"발송 기관 오류: {exc}", returncode=1) from None
                self.stderr.write(f"발송 기관 오류: {exc} — {opts['interval']:g}초 뒤 다시 시도합니다.")
                sent = -1
            if opts["once"] or (opts["until_idle"] and sent == 0):
                break
            if not (opts["send_only"] and sent > 0):
                stopping.wait(opts["interval"])  # a signal ends the wait at once

    def cycle(self, providers: Any, opts: dict[str, Any]) -> int:
        """One turn; returns how many attempts and paper items were handed over."""
        from datetime import timedelta

        delivery.sweep_stuck(older_than=timedelta(seconds=opts["stuck_after"]))
        control.start_scheduled(providers)
        sent = delivery.send_queued(providers, limit=10**9)
        if opts["send_only"]:
            return sent
        delivery.poll_statuses(providers)
        delivery.fallback_due()
        sent += delivery.send_queued(providers, limit=10**9)
        if not opts["no_paper"]:
            sent += delivery.print_batch(providers)
        payments.read_bank_feed(providers)
        control.complete_finished()
        roll_uploads.sweep_stuck()
        if settings.CELERY_TASK_ALWAYS_EAGER:  # with a broker, the workers run them as tasks
            roll_uploads.run_pending()
        return sent
