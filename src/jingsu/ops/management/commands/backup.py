"""`jingsu backup create [--dir DIR]` · `jingsu backup verify [--dir DIR | --file DUMP] [--keep]`
(jingsu.ops.backup; docs/operations.md "Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.runtime import runtime
from jingsu.korean import josa
from jingsu.ops import backup


class Command(BaseCommand):
    help = "데이터베이스 백업 만들기(create)와 복원 확인(verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "verify"], help="create 또는 verify")
        parser.add_argument("--dir", type=Path, default=None, help="백업 폴더 (기본: JINGSU_VAR_DIR/backups)")
        parser.add_argument("--file", type=Path, default=None, help="확인할 백업 파일 (기본: 폴더의 가장 새 파일)")
        parser.add_argument("--keep", action="store_true", help="확인용으로 복원한 데이터베이스를 지우지 않습니다")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        folder = opts["dir"] or settings.VAR_DIR / "backups"
        clock = runtime().clock
        try:
            if opts["action"] == "create":
                dump = backup.create(folder, actor=opts["actor"], clock=clock)
                self.stdout.write(f"백업을 만들었습니다: {dump} ({dump.stat().st_size:,} 바이트, 목록 {dump.with_suffix('.json').name})")
                return
            dump = opts["file"] or backup.latest(folder)
            self.stdout.write(f"{josa(dump.name, '을')} 확인용 데이터베이스에 복원하는 중입니다…")
            result = backup.verify(dump, actor=opts["actor"], clock=clock, keep=opts["keep"])
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        if result.problems:
            raise CommandError("복원한 백업이 목록과 다릅니다:\n" + "\n".join(f"  - {p}" for p in result.problems))
        self.stdout.write(f"복원 확인을 마쳤습니다: 표 {result.tables:,}개, 행 {result.rows:,}건이 목록과 같고, 감사 기록 "
                          f"{result.audit_rows:,}건의 해시가 같으며, 주민등록번호 {result.keys_checked:,}건을 이 배포의 "
                          "키로 열어 확인했습니다.")
