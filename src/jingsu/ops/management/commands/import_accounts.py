"""`jingsu import-accounts FILE --jurisdiction CODE` — the bank's 가상계좌 pool (은행코드,가상계좌번호)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.payments.accounts import import_pool
from jingsu.payments.files import PaymentFileError


class Command(BaseCommand):
    help = "가상계좌 풀 가져오기 (은행이 발급한 계좌 목록)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--jurisdiction", required=True)
        parser.add_argument("--actor", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            jurisdiction = Jurisdiction.by_code(opts["jurisdiction"])
        except UnknownJurisdiction as e:
            raise CommandError(str(e)) from None
        try:
            n = import_pool(Path(opts["file"]), jurisdiction=jurisdiction, actor=opts["actor"], clock=runtime().clock)
        except (PaymentFileError, OSError) as e:
            for p in getattr(e, "problems", [])[:50]:
                self.stderr.write(f"  {p}")
            raise CommandError(str(e)) from None
        self.stdout.write(f"가상계좌 {n:,}개를 등록했습니다.")
