"""`jingsu import-returns [FILE] [--fetch-since DATE] [--publish DATE] [--jurisdiction CODE]` — record returned mail
(반송) and optionally publish the 공시송달 list (docs/delivery.md, docs/formats/returns.md).

Exit codes: 0 done; 2 the file has errors (every error printed with its line number; nothing written)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import today
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.delivery import paper


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"날짜 형식이 아닙니다 (YYYY-MM-DD): {value}", returncode=2) from None


class Command(BaseCommand):
    help = "우체국 반송 파일(또는 조회)로 반송을 기록하고, --publish로 공시송달 공고 목록을 만듭니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="반송 CSV (우편물번호, 반송일, 사유)")
        parser.add_argument("--fetch-since", help="우체국 반송 조회 API에서 이 날짜 이후 반송을 가져옴 (YYYY-MM-DD)")
        parser.add_argument("--publish", help="이 날짜로 공시송달 공고 (YYYY-MM-DD); 효력발생일 = +14일")
        parser.add_argument("--jurisdiction", action="append", default=None,
                            help="공고할 지자체 코드 (여러 번 가능; 기본: 반송이 기록된 모든 지자체)")
        parser.add_argument("--out", default=None, help="공고 목록 폴더 (기본: var/public-notices)")
        parser.add_argument("--actor", default="cli:import-returns")
        parser.add_argument("--as-of", help="오늘 날짜 대신 이 날짜 기준으로 검사 (반송일이 미래인지; 재처리·시험용)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from jingsu.delivery.models import ReturnedMail

        if not opts["file"] and not opts["fetch_since"] and not opts["publish"]:
            raise CommandError("FILE, --fetch-since 또는 --publish 중 하나가 필요합니다.", returncode=2)
        clock = runtime().clock
        actor = opts["actor"]
        if opts["file"]:
            try:
                as_of = _date(opts["as_of"]) if opts["as_of"] else today(clock)
                rows = paper.read_returns_file(opts["file"], today=as_of)
                s = paper.import_returns(rows, actor=actor, clock=clock)
            except paper.ReturnsRejected as exc:
                for line, msg in exc.errors:
                    self.stderr.write(f"{line}행: {msg}" if line else msg)
                raise CommandError(f"반송 파일에 오류 {len(exc.errors)}건: 아무것도 기록하지 않았습니다.",
                                   returncode=2) from None
            except OSError as exc:
                raise CommandError(f"파일을 읽을 수 없습니다: {exc}", returncode=2) from None
            self.stdout.write(f"반송 {s.rows}건: 새로 기록 {s.new}건, 이미 기록됨 {s.unchanged}건")
        if opts["fetch_since"]:
            from jingsu.providers.registry import configured_providers

            try:
                providers = configured_providers()
            except RuntimeError as exc:
                raise CommandError(str(exc), returncode=2) from None
            s = paper.fetch_returns(providers, _date(opts["fetch_since"]), actor=actor, clock=clock)
            self.stdout.write(f"우체국 반송 조회 {s.rows}건: 새로 기록 {s.new}건, 이미 기록됨 {s.unchanged}건")
        if opts["publish"]:
            published_on = _date(opts["publish"])
            codes = opts["jurisdiction"] or sorted(set(
                ReturnedMail.objects.values_list("notice__jurisdiction_id", flat=True)))
            for code in codes:
                try:
                    jurisdiction = Jurisdiction.by_code(code)
                except UnknownJurisdiction as exc:
                    raise CommandError(str(exc), returncode=2) from None
                result = paper.create_public_notices(jurisdiction, published_on, actor, clock=clock, out_dir=opts["out"])
                self.stdout.write(f"{code} 공시송달 공고 {kdate(published_on)}: 새로 {result.created}건, 목록 "
                                  f"{len(result.rows)}행, 효력발생 {kdate(result.effective_on)} → {result.html_path}, "
                                  f"{result.csv_path}")
