"""`jingsu demo [--taxpayers N] [--out DIR]`"""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.models import UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.ops.demo.run import run_demo


class Command(BaseCommand):
    help = "체납 자료 생성부터 발송·수납·보고서까지 전체 과정을 한 번에 실행합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--taxpayers", type=int, default=5000)
        parser.add_argument("--out", type=Path, default=Path("var/demo"))
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--jurisdiction", default="11260")

    def handle(self, *args: object, **opts: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = run_demo(clock=runtime().clock, taxpayers=int(opts["taxpayers"]), out=opts["out"], seed=int(opts["seed"]),  # type: ignore[arg-type, call-overload]
                              jurisdiction=str(opts["jurisdiction"]), stdout=self.stdout)
        except UnknownJurisdiction as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"데모 완료: {result.seconds:.1f}초")
