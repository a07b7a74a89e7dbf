"""`jingsu import-payments FILE --jurisdiction CODE --format csv|fixed [--source bank|wetax|counter] [--actor NAME]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.payments.files import PaymentFileError, import_payment_file


class Command(BaseCommand):
    help = "은행·수납 파일 가져오기 (CSV 또는 고정길이, CP949) — 오류가 한 줄이라도 있으면 아무것도 반영하지 않습니다"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--jurisdiction", required=True, help="자치단체 코드")
        parser.add_argument("--format", choices=["csv", "fixed"], required=True)
        parser.add_argument("--source", default="bank", help="bank | wetax | counter")
        parser.add_argument("--actor", default="cli")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"파일이 없습니다: {path}")
        try:
            jurisdiction = Jurisdiction.by_code(opts["jurisdiction"])
        except UnknownJurisdiction as e:
            raise CommandError(str(e)) from None
        try:
            r = import_payment_file(path, jurisdiction=jurisdiction, layout=opts["format"],
                                    source=opts["source"], actor=opts["actor"], clock=runtime().clock)
        except PaymentFileError as e:
            if opts["json"]:
                self.stdout.write(json.dumps({"error": str(e), "problems": [
                    {"line": p.line, "field": p.field, "message": p.message} for p in e.problems]},
                    ensure_ascii=False))
            for p in e.problems[:50]:
                self.stderr.write(f"  {p}")
            raise CommandError(str(e)) from None
        summary = {"records": r.records, "new": r.new, "duplicates": r.duplicates, "matched": r.matched,
                   "unmatched": r.unmatched, "amount": r.amount,
                   "unmatched_lines": [{"line": n, "reason": why} for n, why in r.unmatched_lines]}
        if opts["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(f"{r.records:,}건 읽음: 새 수납 {r.new:,}건 {r.amount:,}원, 이미 받은 거래 {r.duplicates:,}건, "
                          f"대사 완료 {r.matched:,}건, 미확인 {r.unmatched:,}건")
        for n, why in r.unmatched_lines[:50]:
            self.stdout.write(f"  미확인 {n}행: {why}")
