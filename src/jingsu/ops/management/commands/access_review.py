"""`jingsu access-review CODE [--month 2026-11] [--out FILE.xlsx]`: the monthly check of the staff access log for
the 개인정보 보호책임자 (jingsu.staff.access_review; 개인정보의 안전성 확보조치 기준 제8조②). Without --month, the
month before this one. Audited (staff.access_review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import today
from jingsu.core import audit
from jingsu.core.files import write_private
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.staff import access_review as ar


class Command(BaseCommand):
    help = "접속기록 월간 점검: 직원별 열람·내려받기, 평소보다 많은 열람, 근무시간 외 등록번호 열람, 내려받기 사유 확인 목록."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="행정표준코드 (예: 11260)")
        parser.add_argument("--month", help="점검할 달 (예: 2026-11; 기본: 지난달)")
        parser.add_argument("--out", type=Path, help="XLSX로 저장할 파일")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        clock = runtime().clock
        try:
            j = Jurisdiction.by_code(opts["code"])
        except UnknownJurisdiction:
            raise CommandError(f"행정표준코드 {opts['code']}인 자치단체가 없습니다.") from None
        if opts["month"]:
            try:
                month = ar.parse_month(opts["month"])
            except ValueError as e:
                raise CommandError(str(e)) from None
        else:
            first = today(clock).replace(day=1)
            month = (first.replace(year=first.year - 1, month=12) if first.month == 1
                     else first.replace(month=first.month - 1))
        if month > today(clock):
            raise CommandError("아직 오지 않은 달은 점검할 수 없습니다.")
        review = ar.access_review(j, month)
        for line in ar.summary_lines(review):
            self.stdout.write(line)
        if opts["out"]:
            write_private(opts["out"], ar.render_xlsx(review))
            self.stdout.write(f"저장했습니다: {opts['out']}")
        audit.record("staff.access_review", actor=opts["actor"], jurisdiction=j, clock=clock, detail={
            "month": month.isoformat()[:7], "staff_accounts": len(review.accounts), "unusual": len(review.unusual),
            "late_reveals": len(review.late_reveals), "downloads": len(review.downloads)})
