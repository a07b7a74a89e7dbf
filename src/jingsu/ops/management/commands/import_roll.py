"""`jingsu import-roll FILE --jurisdiction CODE [--encoding ENC] [--json] [--dry-run]
[--confirm-owner-change --reason TEXT] [--validators N]`"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from jingsu.core.childproc import idle_in_transaction_timeout, import_idle_seconds
from jingsu.core.formats import kdate, won
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.rolls.importer import ImportSummary, RollRejected, RowError, import_roll

#: Changed rows and owner changes listed by the text summary (all counts are complete; --json lists more).
LISTED = 20


def _validators(text: str) -> int:
    """`--validators`: 1–4 processes (more than the cores only adds hand-over)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 4:
        raise argparse.ArgumentTypeError(f"검증 프로세스 수는 1부터 4까지의 정수여야 합니다: '{text}'")
    return n


class Command(BaseCommand):
    help = ("체납 자료 파일(CSV/XLSX)을 검증하고 가져옵니다. 오류가 하나라도 있으면 아무것도 기록하지 않습니다. "
            "--dry-run이면 무엇이 바뀔지만 보여 주고 기록하지 않습니다.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--jurisdiction", required=True, help="자치단체 행정표준코드 (예: 11260)")
        parser.add_argument("--encoding", help="CSV 인코딩 (utf-8, cp949, euc-kr). 없으면 자동 판별")
        parser.add_argument("--json", action="store_true", help="결과를 JSON으로 출력")
        parser.add_argument("--dry-run", action="store_true",
                            help="검증하고 신규·변경·동일 건수만 보여 줍니다. 아무것도 기록하지 않습니다")
        parser.add_argument("--confirm-owner-change", action="store_true",
                            help="과세번호의 납세자가 바뀌는 행을 정정으로 확인합니다 (--reason 필수, 감사 기록)")
        parser.add_argument("--reason", default="", help="납세자 변경 정정의 사유 (예: 등록번호 오기 정정, 민원 번호)")
        parser.add_argument("--validators", type=_validators, default=None,
                            help="처음 가져오는 자치단체의 큰 파일을 검증할 프로세스 수 (1–4, 기본 1). "
                                 "2는 더 빠르지만 메모리를 더 씁니다")

    def handle(self, *args: object, **opts: object) -> None:
        path: Path = opts["file"]  # type: ignore[assignment]
        as_json = bool(opts["json"])
        dry_run = bool(opts["dry_run"])
        last = [0]

        def progress(done: int) -> None:
            if not as_json and done - last[0] >= 100_000:
                last[0] = done
                self.stderr.write(f"  처리 중: {done:,}행")

        try:
            code = str(opts["jurisdiction"])
            try:
                jurisdiction = Jurisdiction.by_code(code)
            except UnknownJurisdiction:
                raise RollRejected([RowError(0, "", f"알 수 없는 자치단체코드입니다: '{code}'")]) from None
            with idle_in_transaction_timeout(import_idle_seconds()):
                summary = import_roll(
                    path, jurisdiction=jurisdiction, encoding=opts["encoding"],  # type: ignore[arg-type]
                    actor="cli:import-roll", progress=progress, dry_run=dry_run,
                    allow_owner_change=bool(opts["confirm_owner_change"]),
                    owner_change_reason=str(opts["reason"] or ""), clock=runtime().clock,
                    validators=opts["validators"],  # type: ignore[arg-type]
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
            self.stdout.write(json.dumps({"ok": True, **summary.as_dict()}, ensure_ascii=False, default=str))
        else:
            self.stdout.write(describe(summary))


def _fields(counts: dict[str, int]) -> str:
    return ", ".join(f"{label} {n:,}" for label, n in counts.items())


def describe(summary: ImportSummary) -> str:
    """The text summary: what was written (or, for a preview, what would be), per taxpayer and per levy."""
    as_of = kdate(date.fromisoformat(summary.as_of)) if summary.as_of else "-"
    head = "미리 보기 (기록하지 않음)" if summary.dry_run else "가져오기 완료"
    lines = [
        f"{head} ({summary.jurisdiction}, 기준일 {as_of})",
        f"  행 {summary.rows:,} · 납세자 {summary.taxpayers:,} (신규 {summary.taxpayers_created:,},"
        f" 변경 {summary.taxpayers_updated:,}, 동일 {summary.taxpayers_unchanged:,})",
    ]
    if summary.taxpayer_fields:
        lines.append(f"    납세자 변경 항목: {_fields(summary.taxpayer_fields)}")
    lines.append(f"  부과 건 신규 {summary.levies_created:,} · 변경 {summary.levies_updated:,} ·"
                 f" 동일 {summary.levies_unchanged:,}")
    if summary.levy_fields:
        lines.append(f"    부과 건 변경 항목: {_fields(summary.levy_fields)}")
    for change in summary.changes[:LISTED]:
        lines.append(f"    {change['row']}행 {change['what']} {change['key']}: {', '.join(change['fields'])}")
    if len(summary.changes) > LISTED or summary.levies_updated + summary.taxpayers_updated > len(summary.changes):
        more = summary.levies_updated + summary.taxpayers_updated - min(len(summary.changes), LISTED)
        lines.append(f"    … 외 {more:,}건 (--json으로 더 볼 수 있습니다)")
    if summary.owner_changes_total:
        lines.append(f"  납세자가 바뀌는 부과 건 {summary.owner_changes_total:,}건 (정정 사유: {summary.owner_change_reason})")
        for entry in summary.owner_changes[:LISTED]:
            lines.append(f"    {entry['row']}행 {entry['tax_number']}: {entry['from']} → {entry['to']}")
    lines.append(f"  체납액 {won(summary.total_arrears)} (세액 {won(summary.total_tax)},"
                 f" 가산금·가산세 {won(summary.total_penalty)})")
    return "\n".join(lines)
