"""`jingsu retention run [CODE] [--as-of 날짜] [--dry-run]`: destroy the personal data whose retention period has
ended (jingsu.ops.retention; docs/operations.md "Personal data over its life"). Without CODE, every jurisdiction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import today
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.ops import retention
from jingsu.taxpayers.models import RETENTION_HOLDS


class Command(BaseCommand):
    help = "보유 기간이 끝난 납세자의 개인정보를 파기합니다 (먼저 --dry-run으로 확인하십시오)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run"], help="run")
        parser.add_argument("code", nargs="?", help="행정표준코드 (없으면 모든 자치단체)")
        parser.add_argument("--as-of", help="기준일 YYYY-MM-DD (기본: 오늘)")
        parser.add_argument("--dry-run", action="store_true", help="파기하지 않고 무엇을 파기할지만 보여 줍니다")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        clock = runtime().clock
        try:
            as_of = date.fromisoformat(opts["as_of"]) if opts["as_of"] else today(clock)
        except ValueError:
            raise CommandError(f"--as-of는 2026-12-07처럼 적어 주십시오: {opts['as_of']}") from None
        if as_of > today(clock):
            raise CommandError("기준일이 오늘보다 늦을 수 없습니다 (미래 날짜로 미리 파기하지 않습니다).")
        try:
            offices = [Jurisdiction.by_code(opts["code"])] if opts["code"] else list(
                Jurisdiction.objects.filter(taxpayers__isnull=False).distinct().order_by("code"))
        except UnknownJurisdiction:
            raise CommandError(f"행정표준코드 {opts['code']}인 자치단체가 없습니다.") from None
        for j in offices:
            report = retention.run(j, as_of=as_of, actor=opts["actor"], clock=clock, dry_run=opts["dry_run"])
            verb = "파기할 납세자" if report.dry_run else "파기한 납세자"
            self.stdout.write(f"{j.name} ({kdate(as_of)} 기준): {verb} {report.destroyed:,}명")
            for code, label in RETENTION_HOLDS.items():
                if report.kept[code]:
                    self.stdout.write(f"  보유: {label} {report.kept[code]:,}명")
            if report.next_due:
                self.stdout.write(f"  다음으로 보유 기간이 끝나는 날: {kdate(report.next_due)}")
        if opts["dry_run"]:
            self.stdout.write("미리 보기입니다. 아무것도 바꾸지 않았습니다.")
