"""`jingsu check-deploy`: refuses (exit 1) a configuration that must not serve an office — missing or published
secrets (the simulator's, Django's development key), a missing encryption key, DEBUG on, SQLite, plain HTTP outside
this machine, no broker or Redis (jingsu.core.checks.deploy_problems). The systemd units in deploy/ run it before
every start (ExecStartPre), so a service with such settings does not start."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.checks import deploy_problems


class Command(BaseCommand):
    help = "운영 설정 검사: 개발용 비밀값, 디버그 모드, 암호화 키, HTTPS, 데이터베이스, 작업 대기열을 확인합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="결과를 JSON으로")

    def handle(self, *args: Any, **opts: Any) -> None:
        problems = deploy_problems()
        if opts["json"]:
            self.stdout.write(json.dumps({"ok": not problems, "problems": [{"id": i, "message": m}
                                                                            for i, m in problems]},
                                         ensure_ascii=False))
        elif not problems:
            self.stdout.write("운영 설정 검사를 통과했습니다.")
        if problems:
            raise CommandError("운영에 쓸 수 없는 설정이 있어 시작하지 않습니다:\n" + "\n".join(
                f"  - [{i}] {m}" for i, m in problems))
