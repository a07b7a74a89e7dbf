"""`jingsu import-roll FILE --jurisdiction CODE [--encoding ENC] [--json]`"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from jingsu.core.childproc import idle_in_transaction_timeout, import_idle_seconds
from jingsu.core.formats import kdate, won
from jingsu.rolls.importer import RollRejected, import_roll


class Command(BaseCommand):
    help = "체납 자료 파일(CSV/XLSX)을 검증하고 가져옵니다. 오류가 하나라도 있으면 아무것도 기록하지 않습니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--jurisdiction", required=True, help="자치단체 행정표준코드 (예: 11260)")
        parser.add_argument("--encoding", help="CSV 인코딩 (utf-8, cp949, euc-kr). 없으면 자동 판별")
        parser.add_argument("--json", action="store_true", help="결과를 JSON으로 출력")

    def handle(self, *args: object, **opts: object) -> None:
        path: Path = opts["file"]  # type: ignore[assignment]
        as_json = bool(opts["json"])
        last = [0]

        def progress(done: int) -> None:
            if not as_json and done - last[0] >= 100_000:
                last[0] = done
                self.stderr.write(f"  처리 중: {done:,}행")

        try:
            with idle_in_transaction_timeout(import_idle_seconds()):
                summary = import_roll(
                    path, jurisdiction_code=str(opts["jurisdiction"]), encoding=opts["encoding"],  # type: ignore[arg-type]
                    actor="cli:import-roll", progress=progress,
                )
        except RollRejected as rejected:
            if as_json:
                self.stdout.write(json.dumps({
                    "ok": False,
                    "total_errors": rejected.total_errors,
                    "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in rejected.errors],
                }, ensure_ascii=False))
            else:
                self.stderr.write(f"가져오지 않았습니다: 오류 {rejected.total_errors:,}건. 아무것도 기록하지 않았습니다.")
                for e in rejected.errors:
                    self.stderr.write("  " + e.text())
                if rejected.total_errors > len(rejected.errors):
                    self.stderr.write(f"  … 외 {rejected.total_errors - len(rejected.errors):,}건")
            sys.exit(2)
        if as_json:
            self.stdout.write(json.dumps({"ok": True, **summary.as_dict()}, ensure_ascii=False))
        else:
            self.stdout.write(
                f"가져오기 완료 ({summary.jurisdiction}, 기준일 {kdate(date.fromisoformat(summary.as_of)) if summary.as_of else '-'})\n"
                f"  행 {summary.rows:,} · 납세자 {summary.taxpayers:,} (신규 {summary.taxpayers_created:,},"
                f" 변경 {summary.taxpayers_updated:,})\n"
                f"  부과 건 신규 {summary.levies_created:,} · 변경 {summary.levies_updated:,} ·"
                f" 동일 {summary.levies_unchanged:,}\n"
                f"  체납액 {won(summary.total_arrears)} (세액 {won(summary.total_tax)},"
                f" 가산금·가산세 {won(summary.total_penalty)})"
            )
