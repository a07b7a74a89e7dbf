"""`jingsu report effects --campaign ID | --period FROM..TO [--jurisdiction CODE] --format html|xlsx|json [--out FILE]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.korean import josa
from jingsu.notices.models import Campaign
from jingsu.reports.effects import campaign_effects, parse_period, period_effects, render_html, render_xlsx


class Command(BaseCommand):
    help = "보고서: effects (발송 효과 보고서)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["effects"], help="보고서 종류")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--campaign", type=int, help="캠페인 번호")
        scope.add_argument("--period", help="기간 (시작일..종료일, 캠페인 기준일 기준)")
        parser.add_argument("--jurisdiction", help="자치단체 코드 (--period와 함께 필수)")
        parser.add_argument("--format", choices=["html", "xlsx", "json"], default="json")
        parser.add_argument("--out", help="저장할 파일 (없으면 표준출력; xlsx는 필수)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["campaign"] is not None:
            campaign = Campaign.objects.filter(pk=opts["campaign"]).first()
            if campaign is None:
                raise CommandError(f"--campaign: 캠페인 {josa(opts['campaign'], '을')} 찾을 수 없습니다.")
            report = campaign_effects(campaign)
        else:
            if not opts["jurisdiction"]:
                raise CommandError("--period에는 --jurisdiction(자치단체 코드)이 필요합니다.")
            try:
                start, end = parse_period(opts["period"])
            except ValueError as e:
                raise CommandError(str(e)) from None
            try:
                jurisdiction = Jurisdiction.by_code(opts["jurisdiction"])
            except UnknownJurisdiction as e:
                raise CommandError(str(e)) from None
            report = period_effects(jurisdiction, start, end)
        fmt, out = opts["format"], opts["out"]
        if fmt == "xlsx":
            if not out:
                raise CommandError("--format xlsx에는 --out 파일이 필요합니다.")
            Path(out).write_bytes(render_xlsx(report))
        else:
            text = render_html(report) if fmt == "html" else json.dumps(report, ensure_ascii=False, indent=2)
            if out:
                Path(out).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text + "\n")
        if out:
            self.stderr.write(f"보고서를 저장했습니다: {out}")
