"""`jingsu keys status` · `jingsu keys rotate [--batch N] [--actor 이름]`: personal-data encryption keys.

status: per encrypted column, how many values it holds and how many are still under an old key.
rotate: re-encrypts those under the first key of JINGSU_PII_KEYS, verified and resumable (jingsu.core.keys).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core import crypto, keys
from jingsu.core.runtime import runtime


class Command(BaseCommand):
    help = "개인정보 암호화 키: 상태 보기(status), 새 키로 다시 암호화(rotate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "rotate"], help="status 또는 rotate")
        parser.add_argument("--batch", type=int, default=1000, help="한 번에 다시 암호화할 행 수 (기본 1,000)")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["batch"] < 1:
            raise CommandError("--batch는 1 이상이어야 합니다.")
        if opts["action"] == "status":
            summary = keys.status()
            self.stdout.write(f"설정된 키: {crypto.key_count()}개 (맨 앞의 키로 암호화합니다)")
            for c in summary.columns:
                self.stdout.write(f"  {c.label}: {c.total:,}건 중 이전 키 {c.under_old_keys:,}건")
            if summary.remaining:
                self.stdout.write(f"이전 키로 암호화된 값이 {summary.remaining:,}건 남았습니다: jingsu keys rotate")
            else:
                self.stdout.write("모든 값이 맨 앞의 키로 암호화되어 있습니다. 이전 키를 설정에서 빼도 됩니다.")
            return

        def progress(label: str, seen: int, rotated: int) -> None:
            self.stdout.write(f"  {label}: {seen:,}건 확인, {rotated:,}건 다시 암호화")

        try:
            summary = keys.rotate(actor=opts["actor"], clock=runtime().clock, batch=opts["batch"], progress=progress)
        except crypto.RotationError as e:
            raise CommandError(f"{e} 다시 실행하면 멈춘 곳부터 이어서 합니다.") from None
        self.stdout.write(f"다시 암호화 {summary.rotated:,}건, 이전 키로 남은 값 {summary.remaining:,}건.")
        if summary.remaining:
            raise CommandError("이전 키로 남은 값이 있습니다. 다시 실행하십시오.")
        self.stdout.write("모든 값을 새 키로 확인했습니다. 이전 키를 JINGSU_PII_KEYS에서 빼고 다시 시작하십시오.")
