"""`jingsu generate-roll --jurisdiction CODE --taxpayers N --seed S --out FILE.csv|FILE.xlsx`"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import today
from jingsu.core.formats import won
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.rolls.generate import generate_roll


class Command(BaseCommand):
    help = "가상 자치구의 체납 자료 파일을 만듭니다 (같은 seed면 같은 파일)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", default="11260")
        parser.add_argument("--taxpayers", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", type=Path, required=True, help="FILE.csv 또는 FILE.xlsx")
        parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp949"])
        parser.add_argument("--today", help="기준일 YYYY-MM-DD (기본: 오늘)")

    def handle(self, *args: object, **opts: object) -> None:
        from datetime import date

        code = str(opts["jurisdiction"])
        try:
            Jurisdiction.by_code(code)
        except UnknownJurisdiction:
            raise CommandError(f"알 수 없는 자치단체코드입니다: '{code}'", returncode=2) from None
        count = int(opts["taxpayers"])  # type: ignore[call-overload]
        if count < 1:
            raise CommandError("--taxpayers는 1 이상이어야 합니다.", returncode=2)
        out: Path = opts["out"]  # type: ignore[assignment]
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("--out은 .csv 또는 .xlsx 파일이어야 합니다.", returncode=2)
        as_of = date.fromisoformat(str(opts["today"])) if opts["today"] else today(runtime().clock)
        out.parent.mkdir(parents=True, exist_ok=True)
        summary = generate_roll(jurisdiction=code, taxpayers=count, seed=int(opts["seed"]), out=out,  # type: ignore[call-overload]
                                today=as_of, encoding=str(opts["encoding"]))
        self.stdout.write(f"{out}: {summary.rows:,}행, 납세자 {summary.taxpayers:,}명, 체납액 {won(summary.total_arrears)}")
