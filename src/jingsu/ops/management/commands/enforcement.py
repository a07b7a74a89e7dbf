"""`jingsu enforcement worklist --jurisdiction CODE --as-of DATE [--within N] [filters] [--json | --xlsx PATH]`.

The worklist of `jingsu.enforcement.worklist` (docs/enforcement.md): a Korean table by default, the documented JSON
with ``--json``, the console's workbook with ``--xlsx``. The command has no console role: taxpayers' names are
masked in every output (김*준), as for a console role without `reveal_personal_data`. Bad input names the parameter
in Korean and exits non-zero; an `--as-of` after today (the runtime's clock) is refused.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import today
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.delivery.paper import mask_name
from jingsu.enforcement.worklist import (
    STATUS_LABELS,
    Filters,
    FutureDate,
    Worklist,
    as_json,
    worklist,
)
from jingsu.korean import josa
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.staff.downloads import workbook
from jingsu.staff.worklist_views import conditions, worklist_sheets


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(r)).rstrip() for r in rows]
    return lines


def render_text(wl: Worklist) -> str:
    out = [f"체납처분 대상 — 자치단체 {wl.jurisdiction}, 기준일 {kdate(wl.as_of)}, 곧 대상: {kdate(wl.horizon)}까지"
           f" ({wl.within_days}일), 체납 납세자 {wl.taxpayers:,}명"]
    words = wl.filters.words()
    if words:
        out.append("조건: " + ", ".join(f"{k} {v}" for k, v in words))
    headers = ["구분", "번호", "성명", "체납액", "건수", "최초 체납 발생일", "세목", "동", "변경 예정일", "사건"]
    for ml in wl.measures.values():
        out.append("")
        out.append(f"■ {ml.name} ({ml.basis}) — 대상 {len(ml.qualifying):,}명, 확인 필요 {len(ml.check):,}명, "
                   f"곧 대상 {len(ml.soon):,}명")
        if ml.no_rule:
            out.append(f"  {ml.no_rule}")
        if ml.check or any(r.finding for r in ml.soon):
            out.append(f"  확인 필요: {ml.finding}")
        rows = [[STATUS_LABELS[r.status], str(r.taxpayer_id), mask_name(r.name), f"{r.arrears:,}원", f"{r.count:,}",
                 kdate(r.oldest_arrears_date), r.tax_item_names, r.dong or "—", kdate(r.next_change) or "—",
                 f"{r.case_id}번 {r.case_stage}" if r.case_id else "—"]
                for r in (*ml.qualifying, *ml.check, *ml.soon)]
        if rows:
            out += ["  " + line for line in _table(headers, rows, {3, 4})]
        else:
            out.append("  해당하는 납세자가 없습니다.")
    if wl.cases:
        out.append("")
        out.append("■ 진행 중인 처분 (단계별)")
        out += ["  " + line for line in _table(["처분", "단계", "건수", "체납액"],
                                               [[c.measure_name, c.stage, f"{c.count:,}", f"{c.arrears:,}원"]
                                                for c in wl.cases], {2, 3})]
        out.append("")
        out += ["  " + line for line in _table(
            ["사건", "처분", "단계", "번호", "성명", "단계 일자", "체납액", "점검"],
            [[f"{r.case_id}번", c.measure_name, c.stage, str(r.taxpayer_id), mask_name(r.name), kdate(r.stage_on),
              f"{r.arrears:,}원", "해제 가능" if r.release_ready else ("승인 대기" if r.pending else "—")]
             for c in wl.cases for r in c.rows], {6})]
    return "\n".join(out) + "\n"


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: 날짜가 올바르지 않습니다 ({value!r}; 2026-11-23처럼 적습니다).") from None


def _won(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    text = value.replace(",", "").replace("원", "").strip()
    if not text.isdigit():
        raise CommandError(f"{option}: 금액은 0 이상의 원 단위 정수입니다 ({value!r}).")
    return int(text)


def _count(value: str | None, option: str, what: str) -> int | None:
    if value is None:
        return None
    if not value.strip().isdigit():
        raise CommandError(f"{option}: {josa(what, '은')} 0 이상의 정수입니다 ({value!r}).")
    return int(value)


class Command(BaseCommand):
    help = "체납처분·행정제재: worklist (처분별 대상자 목록)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", help="worklist: 처분별 대상자 목록")
        parser.add_argument("--jurisdiction", help="자치단체 코드 (예: 11260, 필수)")
        parser.add_argument("--as-of", help="기준일 (YYYY-MM-DD, 오늘 이전, 필수)")
        parser.add_argument("--within", default="30", help="곧 대상이 되는 기간(일, 기본 30)")
        parser.add_argument("--min-amount", help="체납액 하한(원)")
        parser.add_argument("--max-amount", help="체납액 상한(원)")
        parser.add_argument("--min-age", help="체납 기간 하한(개월: 가장 오래된 체납 발생일부터)")
        parser.add_argument("--max-age", help="체납 기간 상한(개월)")
        parser.add_argument("--tax-item", help="세목 코드 (예: 15 자동차세)")
        parser.add_argument("--dong", help="동 (주소의 참고항목, 예: 면목동)")
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="JSON으로 출력 (docs/enforcement.md)")
        out.add_argument("--xlsx", metavar="PATH", help="엑셀(XLSX) 파일로 저장")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["action"] != "worklist":
            raise CommandError(f"알 수 없는 작업입니다: {o['action']!r} (가능: worklist)")
        code = o["jurisdiction"]
        if not code:
            raise CommandError("--jurisdiction: 자치단체 코드가 필요합니다.")
        if not o["as_of"]:
            raise CommandError("--as-of: 기준일이 필요합니다 (YYYY-MM-DD).")
        if not Jurisdiction.objects.filter(code=code).exists():
            raise CommandError(f"--jurisdiction: 자치단체 코드 {josa(code, '을')} 찾을 수 없습니다.")
        as_of = _date(o["as_of"], "--as-of")
        within = _count(o["within"], "--within", "기간(일)")
        assert within is not None
        item = o["tax_item"]
        if item is not None and item not in TAX_ITEMS:
            raise CommandError(f"--tax-item: 알 수 없는 세목 코드입니다 ({item!r}; "
                               + ", ".join(f"{c} {t.name}" for c, t in TAX_ITEMS.items()) + ").")
        filters = Filters(min_amount=_won(o["min_amount"], "--min-amount"), max_amount=_won(o["max_amount"], "--max-amount"),
                          min_age_months=_count(o["min_age"], "--min-age", "개월 수"),
                          max_age_months=_count(o["max_age"], "--max-age", "개월 수"),
                          tax_item=item, dong=(o["dong"] or "").strip() or None)
        try:
            wl = worklist(code, as_of, today=today(runtime().clock), within_days=within, filters=filters)
        except FutureDate as e:
            raise CommandError(f"--as-of: {e}") from None
        if o["xlsx"]:
            info = [("목록", "체납처분 대상"), ("지자체", code),
                    ("조건", ", ".join(f"{k}: {v}" for k, v in conditions(wl))),
                    ("개인정보", "성명을 가렸습니다.")]
            Path(o["xlsx"]).write_bytes(workbook(worklist_sheets(wl, mask_name), info))
            self.stderr.write(f"체납처분 대상을 저장했습니다: {o['xlsx']}")
        elif o["json"]:
            sys.stdout.write(json.dumps(as_json(wl, name=mask_name), ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.write(render_text(wl))
