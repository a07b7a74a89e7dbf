"""`jingsu campaign create|build|approve|send|status` — the campaign workflow from the command line.

    jingsu campaign create --jurisdiction 11260 --kind arrears --name "11월 체납안내" --actor 담당자 [filters…]
    jingsu campaign build ID --actor 담당자
    jingsu campaign approve ID --actor 팀장            (not the person who built it)
    jingsu campaign send ID --actor 팀장                (needs JINGSU_PROVIDER_URL; with a broker, workers send)
    jingsu campaign schedule ID --at 2026-11-24T09:30 --actor 팀장   (발송 예약, 한국 시각; `unschedule` 취소)
    jingsu campaign pause ID [--reason …] --actor 팀장 / resume ID / cancel ID --reason "…" --actor 팀장
    jingsu campaign status ID [--json]

The rules are the services' (notices.services, delivery.services, delivery.control), the same the console uses.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import SEOUL, today
from jingsu.core.formats import won
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.delivery import control
from jingsu.delivery import services as delivery_services
from jingsu.korean import josa
from jingsu.notices import services
from jingsu.notices.models import Campaign


def _int_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _window(text: str) -> tuple[time, time]:
    start, sep, end = text.partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"발송 시간대는 HH:MM-HH:MM 형식이어야 합니다: '{text}'") from None


class Command(BaseCommand):
    help = ("안내 캠페인: 만들기(create), 대상 확정(build), 승인(approve), 발송(send), 예약(schedule/unschedule), "
            "일시 중지(pause), 재개(resume), 취소(cancel), 현황(status)")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        default_actor = f"cli:{getpass.getuser()}"

        create = sub.add_parser("create", help="캠페인 만들기")
        create.add_argument("--jurisdiction", required=True)
        # the enforcement steps (Campaign.MEASURE_KINDS) are made from an enforcement case, for its taxpayers
        create.add_argument("--kind", required=True,
                            choices=[k for k in Campaign.Kind.values if k not in Campaign.MEASURE_KINDS])
        create.add_argument("--name", required=True)
        create.add_argument("--as-of", type=date.fromisoformat, help="기준일 YYYY-MM-DD (기본: 오늘)")
        create.add_argument("--tax-items", type=_int_list, help="세목 코드, 쉼표로 구분 (예: 14,15)")
        create.add_argument("--min-amount", type=int, help="납세자별 합계 하한(원)")
        create.add_argument("--max-amount", type=int, help="납세자별 합계 상한(원)")
        create.add_argument("--min-age", type=int, help="체납 연차 하한")
        create.add_argument("--max-age", type=int, help="체납 연차 상한")
        create.add_argument("--control-share", type=int, default=0, help="대조군 비율(%%), 0–50")
        create.add_argument("--read-deadline-days", type=int, default=7, help="열람 기한(일), 1–30")
        create.add_argument("--fallback-hours", type=int, default=24, help="미열람 시 다음 채널까지(시간)")
        create.add_argument("--channels", type=_int_list, help="발송 채널 순서, 쉼표로 (예: kakao,sms,paper)")
        create.add_argument("--send-window", type=_window, help="발송 시간대 HH:MM-HH:MM (기본 09:00-20:00)")
        create.add_argument("--mail-class", choices=["ordinary", "registered"], default="ordinary",
                            help="종이 우편 종류")
        create.add_argument("--pay-by", type=date.fromisoformat, help="안내문의 납부기한 YYYY-MM-DD")
        create.add_argument("--actor", default=default_actor)

        for name, text in (("build", "대상 확정"), ("approve", "승인"), ("send", "발송 시작"),
                           ("unschedule", "발송 예약 취소"), ("resume", "발송 재개")):
            p = sub.add_parser(name, help=text)
            p.add_argument("campaign", type=int)
            p.add_argument("--actor", default=default_actor)
        schedule = sub.add_parser("schedule", help="발송 예약")
        schedule.add_argument("campaign", type=int)
        schedule.add_argument("--at", required=True, type=datetime.fromisoformat,
                              help="예약 시각 YYYY-MM-DDTHH:MM (시간대가 없으면 한국 시각)")
        schedule.add_argument("--actor", default=default_actor)
        for name, text, required in (("pause", "발송 일시 중지", False), ("cancel", "캠페인 취소(나가지 않은 것)", True)):
            p = sub.add_parser(name, help=text)
            p.add_argument("campaign", type=int)
            p.add_argument("--reason", required=required, default="", help="사유 (취소는 5자 이상, 감사 기록)")
            p.add_argument("--actor", default=default_actor)

        status = sub.add_parser("status", help="현황")
        status.add_argument("campaign", type=int)
        status.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except services.CampaignError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _campaign(self, pk: int) -> Campaign:
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise CommandError(f"캠페인 {josa(pk, '이')} 없습니다.", returncode=2)
        return campaign

    def _create(self, opts: dict[str, Any]) -> None:
        try:
            jurisdiction = Jurisdiction.by_code(opts["jurisdiction"])
        except UnknownJurisdiction:
            raise CommandError(f"알 수 없는 자치단체코드입니다: '{opts['jurisdiction']}'", returncode=2) from None
        filters = {
            key: opts[key]
            for key in ("tax_items", "min_amount", "max_amount", "min_age", "max_age")
            if opts.get(key) is not None
        }
        campaign = services.create_campaign(
            jurisdiction, name=opts["name"], kind=opts["kind"], as_of=opts["as_of"] or today(runtime().clock),
            actor=opts["actor"], filters=filters, control_share=opts["control_share"],
            read_deadline_days=opts["read_deadline_days"], fallback_hours=opts["fallback_hours"],
            channels=opts["channels"], mail_class=opts["mail_class"], pay_by=opts["pay_by"],
            send_window_start=opts["send_window"][0] if opts["send_window"] else None,
            send_window_end=opts["send_window"][1] if opts["send_window"] else None,
            clock=runtime().clock,
        )
        self.stdout.write(f"캠페인 {campaign.pk} 생성: {campaign.name} ({campaign.get_kind_display()})")

    def _build(self, opts: dict[str, Any]) -> None:
        summary = services.build_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"대상 확정: 안내문 {summary.notices:,}건 (대조군 {summary.control:,}건), "
                          f"체납 {summary.lines:,}건, {won(summary.total_amount)}")

    def _approve(self, opts: dict[str, Any]) -> None:
        campaign = services.approve_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"승인: 캠페인 {campaign.pk} ({campaign.approved_by})")

    def _send(self, opts: dict[str, Any]) -> None:
        from jingsu.delivery import services as delivery
        from jingsu.providers.registry import configured_providers

        campaign = self._campaign(opts["campaign"])
        try:
            providers = configured_providers()
        except RuntimeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            started = delivery.start_campaign(campaign, providers, actor=opts["actor"], clock=runtime().clock)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write("발송 시작: " + ", ".join(f"{k} {v:,}" for k, v in sorted(started.by_channel.items())))
        if settings.CELERY_TASK_ALWAYS_EAGER:
            sent = delivery.send_queued(providers, limit=10**9, clock=runtime().clock)
            self.stdout.write(f"전송 {sent:,}건 (발송 가능 시간대가 아니면 대기합니다)")
        else:
            from jingsu.delivery.tasks import send_queued

            send_queued.delay()
            self.stdout.write("작업자(worker)에게 발송을 맡겼습니다.")

    def _schedule(self, opts: dict[str, Any]) -> None:
        at = opts["at"] if opts["at"].tzinfo else opts["at"].replace(tzinfo=SEOUL)
        c = control.schedule_campaign(self._campaign(opts["campaign"]), at, actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"발송 예약: 캠페인 {c.pk}, {at.astimezone(SEOUL):%Y-%m-%d %H:%M} (jingsu dispatch가 시작합니다)")

    def _unschedule(self, opts: dict[str, Any]) -> None:
        c = control.unschedule_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"발송 예약 취소: 캠페인 {c.pk}")

    def _pause(self, opts: dict[str, Any]) -> None:
        c = control.pause_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], reason=opts["reason"], clock=runtime().clock)
        self.stdout.write(f"일시 중지: 캠페인 {c.pk}")

    def _resume(self, opts: dict[str, Any]) -> None:
        c = control.resume_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"발송 재개: 캠페인 {c.pk}")

    def _cancel(self, opts: dict[str, Any]) -> None:
        s = control.cancel_campaign(self._campaign(opts["campaign"]), actor=opts["actor"], reason=opts["reason"], clock=runtime().clock)
        self.stdout.write(f"취소: 나가지 않은 안내문 {s.notices:,}건, 대기 중인 발송 {s.attempts:,}건 취소 "
                          f"(이미 나간 안내문 {s.already_sent:,}건은 그대로)")

    def _status(self, opts: dict[str, Any]) -> None:
        campaign = self._campaign(opts["campaign"])
        report = delivery_services.campaign_status(campaign)
        p = control.progress(campaign)
        report["progress"] = {"target": p.target, "handed_over": p.handed_over, "settled": p.settled}
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(f"캠페인 {campaign.pk} {campaign.name}: {campaign.get_status_display()}")
        self.stdout.write(f"  발송 {p.handed_over:,}/{p.target:,}건, 마감 {p.settled:,}/{p.target:,}건")
        self.stdout.write("  안내문: " + ", ".join(f"{k} {v:,}" for k, v in report["notices"].items()))
        for channel, counts in report["attempts"].items():
            self.stdout.write(f"  {channel}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

