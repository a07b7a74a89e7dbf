"""`jingsu report effects --campaign ID | --period FROM..TO [--jurisdiction CODE] --format html|xlsx|json [--out FILE]`
and `jingsu report experiment --campaign ID [--out DIR]` (experiment.json, experiment.html, experiment.xlsx)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.korean import josa
from jingsu.notices.models import Campaign
from jingsu.reports.effects import campaign_effects, parse_period, period_effects, render_html, render_xlsx
from jingsu.reports.experiments import (
    NoExperiment,
    experiment_report,
    render_experiment_html,
    render_experiment_xlsx,
)


class Command(BaseCommand):
    help = "보고서: effects (발송 효과 보고서), experiment (실험 보고서)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["effects", "experiment"], help="보고서 종류")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--campaign", type=int, help="캠페인 번호")
        scope.add_argument("--period", help="기간 (시작일..종료일, 캠페인 기준일 기준; 발송 효과 보고서만)")
        parser.add_argument("--jurisdiction", help="자치단체 코드 (--period와 함께 필수)")
        parser.add_argument("--format", choices=["html", "xlsx", "json"], default="json")
        parser.add_argument("--out", help="발송 효과 보고서: 저장할 파일 (없으면 표준출력; xlsx는 필수). "
                                          "실험 보고서: 세 파일을 저장할 폴더 (없으면 현재 폴더)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["kind"] == "experiment":
            self.experiment(opts)
            return
        if opts["campaign"] is not None:
            campaign = self.campaign(opts["campaign"])
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
            report = period_effects(jurisdiction, start, end, now=runtime().clock.now())
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

    def campaign(self, pk: int) -> Campaign:
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise CommandError(f"--campaign: 캠페인 {josa(pk, '을')} 찾을 수 없습니다.")
        return campaign

    def experiment(self, opts: dict[str, Any]) -> None:
        if opts["campaign"] is None:
            raise CommandError("실험 보고서에는 --campaign(캠페인 번호)이 필요합니다 (--period는 쓸 수 없습니다).")
        campaign = self.campaign(opts["campaign"])
        try:
            report = experiment_report(campaign, now=runtime().clock.now())
        except NoExperiment as e:
            raise CommandError(f"--campaign: {e}") from None
        folder = Path(opts["out"] or ".")
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--out: {josa(str(folder), '은')} 폴더가 아닙니다.")
        folder.mkdir(parents=True, exist_ok=True)
        files = [folder / "experiment.json", folder / "experiment.html", folder / "experiment.xlsx"]
        files[0].write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        files[1].write_text(render_experiment_html(report), encoding="utf-8")
        files[2].write_bytes(render_experiment_xlsx(report))
        self.stdout.write(f"실험 보고서를 저장했습니다: {', '.join(str(f) for f in files)}")
