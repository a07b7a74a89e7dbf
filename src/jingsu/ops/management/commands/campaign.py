"""`jingsu campaign create|build|approve|send|status` — the campaign workflow from the command line.

    jingsu campaign create --jurisdiction 11260 --kind arrears --name "11월 체납안내" --actor 담당자 [filters…]
    jingsu campaign build ID --actor 담당자
    jingsu campaign approve ID --actor 팀장            (not the person who built it)
    jingsu campaign send ID --actor 팀장                (needs JINGSU_PROVIDER_URL; with a broker, workers send)
    jingsu campaign schedule ID --at 2026-11-24T09:30 --actor 팀장   (발송 예약, 한국 시각; `unschedule` 취소)
    jingsu campaign pause ID [--reason …] --actor 팀장 / resume ID / cancel ID --reason "…" --actor 팀장
    jingsu campaign status ID [--json]
    jingsu campaign arms ID --arm "기본 문구:2:45" --arm "사회 규범:3:45:sms,paper:2026-11-24T10:00" \
        [--stratify amount,age,reach] --actor 담당자    (문구 실험의 비교군: 이름:서식판:비율[:채널,채널][:시각])
    jingsu campaign preregister ID --hypothesis "…" --outcome paid|amount --window-days 14 --min-effect 5 \
        --baseline 30 [--spread 20000] [--confidence 0.95] --actor 담당자   (실험 설계, 승인 전에)

The rules are the services' (notices.services, delivery.services, delivery.control), the same the console uses.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.clock import SEOUL, today
from jingsu.core.formats import kdatetime, won
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.delivery import control
from jingsu.delivery import services as delivery_services
from jingsu.delivery.models import AttemptStatus
from jingsu.korean import josa
from jingsu.notices import experiments, services
from jingsu.notices.experiments import ArmSpec, ExperimentError
from jingsu.notices.models import Arm, Campaign, Channel, Experiment, Notice, NoticeTemplate

ARM_FORMAT = "이름:서식판:비율[:채널,채널][:YYYY-MM-DDTHH:MM]"
#: below this power the command warns, as the console does
POWER_ENOUGH = 0.8
LOW_POWER = "최소 효과를 찾아낼 가능성이 낮습니다. 대상을 늘리거나 비교군을 줄이세요."


def _int_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _window(text: str) -> tuple[time, time]:
    start, sep, end = text.partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"발송 시간대는 HH:MM-HH:MM 형식이어야 합니다: '{text}'") from None


def josa_of(word: str, particle: str) -> str:
    """The particle alone, for a quoted word ('amount'를)."""
    return josa(word, particle)[len(word):]


def _number(option: str, text: str, *, integer: bool = False) -> float:
    try:
        return int(text) if integer else float(text)
    except (TypeError, ValueError):
        kind = "정수" if integer else "숫자"
        raise CommandError(f"{option} 값 '{text}'{josa_of(str(text), '이')} {kind}가 아닙니다.", returncode=2) from None


def _arm_spec(campaign: Campaign, i: int, raw: str) -> ArmSpec:
    """One --arm value, 이름:서식판:비율[:채널,채널][:YYYY-MM-DDTHH:MM] (the send moment in Korean time unless it
    says otherwise); a bad part is named with the value's place."""
    where = f"--arm {i}번째 값"
    parts = raw.split(":", 3)
    if len(parts) < 3:
        raise CommandError(f"{where} '{raw}': '{ARM_FORMAT}' 형식이어야 합니다.", returncode=2)
    name, version, share = (p.strip() for p in parts[:3])
    extra = parts[3] if len(parts) > 3 else ""
    head, sep, tail = extra.partition(":")
    channels_text, when_text = (head, tail) if re.fullmatch(r"[A-Za-z_,\s]*", head) else ("", extra)
    if not version.isdigit():
        raise CommandError(f"{where} '서식판'은 판 번호(숫자)여야 합니다: '{version}'", returncode=2)
    template = NoticeTemplate.objects.filter(kind=campaign.kind, version=int(version)).first()
    if template is None:
        raise CommandError(f"{where} '서식판': {campaign.get_kind_display()} {version}판 서식이 없습니다.", returncode=2)
    if not share.isdigit():
        raise CommandError(f"{where} '비율'은 1부터 100까지의 숫자(%)여야 합니다: '{share}'", returncode=2)
    channels = [c.strip() for c in channels_text.split(",") if c.strip()] or None
    if channels is not None:
        try:
            experiments.check_channels(channels)
        except ExperimentError as exc:
            raise CommandError(f"{where} '채널': {exc} (채널: {', '.join(Channel.values)})", returncode=2) from None
    send_at = None
    if when_text.strip():
        try:
            send_at = datetime.strptime(when_text.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=SEOUL)
        except ValueError:
            raise CommandError(f"{where} '발송 시각'은 YYYY-MM-DDTHH:MM 형식이어야 합니다: '{when_text}'",
                               returncode=2) from None
    return ArmSpec(name, template, int(share), channels=channels, send_at=send_at)


def _arm_line(arm: Arm) -> str:
    labels = dict(Channel.choices)
    channels = " → ".join(labels.get(c, c) for c in arm.channels) if arm.channels else "캠페인과 같음"
    when = kdatetime(arm.send_at) if arm.send_at else "캠페인과 함께"
    return (f"{arm.label} {arm.name}: {arm.template.get_kind_display()} {arm.template.version}판, {arm.share}%, "
            f"채널 {channels}, 발송 시각 {when}")


def _strata_text(campaign: Campaign) -> str:
    labels = dict(Experiment.Stratum.choices)
    return ", ".join(labels.get(s, s) for s in campaign.strata) or "없음"


def _record_line(exp: Experiment) -> str:
    if exp.outcome == Experiment.Outcome.PAID:
        effect, baseline = f"{exp.min_effect:g}%포인트", f"{exp.baseline:g}%"
    else:
        effect, baseline = won(round(exp.min_effect)), won(round(exp.baseline))
        baseline += f", 표준편차 {won(round(exp.spread or 0))}"
    return (f"{exp.get_outcome_display()}, 관찰 기간 {exp.window_days}일, 최소 효과 {effect}, 기준값 {baseline}, "
            f"신뢰수준 {exp.confidence * 100:g}%")


def _power_lines(campaign: Campaign, exp: Experiment) -> list[str]:
    """The power for the built sizes (frozen at approval: the power recorded then), with the console's warning."""
    if campaign.status == Campaign.Status.DRAFT:
        return ["검정력은 대상을 확정한 뒤에 보여 줍니다 (jingsu campaign build)."]
    sizes = experiments.group_sizes(campaign)
    power = exp.power if exp.frozen_at is not None and exp.power is not None else experiments.power(exp, sizes)
    groups = ", ".join(f"{'대조군' if k == 'control' else '비교군 ' + k} {n:,}건" for k, n in sizes.items()
                       if k != "control" or n)
    return [f"검정력: {round(power * 100)}% ({groups})"] + ([LOW_POWER] if power < POWER_ENOUGH else [])


class Command(BaseCommand):
    help = ("안내 캠페인: 만들기(create), 대상 확정(build), 승인(approve), 발송(send), 예약(schedule/unschedule), "
            "일시 중지(pause), 재개(resume), 취소(cancel), 현황(status), 문구 실험의 비교군(arms)과 "
            "실험 설계(preregister)")

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

        arms = sub.add_parser("arms", help="문구 실험의 비교군 정하기 (대상 확정 전, 안내문만)")
        arms.add_argument("campaign", type=int)
        arms.add_argument("--arm", action="append", required=True, dest="arm",
                          help=f"비교군 하나: {ARM_FORMAT} (두 번 이상; 채널은 kakao,kt,sms,paper)")
        arms.add_argument("--stratify", default="", help="층화 기준, 쉼표로: amount(체납액 구간), age(체납 기간), "
                                                         "reach(전자 발송 가능 여부)")
        arms.add_argument("--actor", default=default_actor)
        prereg = sub.add_parser("preregister", help="실험 설계 기록 (승인 전)")
        prereg.add_argument("campaign", type=int)
        prereg.add_argument("--hypothesis", required=True, help="가설")
        prereg.add_argument("--outcome", required=True, help="주요 결과 지표: paid(기간 내 납부율) 또는 "
                                                             "amount(안내문당 징수액)")
        prereg.add_argument("--window-days", required=True, help="관찰 기간(일), 1–90")
        prereg.add_argument("--min-effect", required=True, help="최소 효과 크기: 납부율이면 %%포인트, 징수액이면 원")
        prereg.add_argument("--baseline", required=True, help="기준값 예상: 납부율(%%) 또는 안내문당 징수액(원)")
        prereg.add_argument("--spread", help="징수액 표준편차 예상(원), amount일 때")
        prereg.add_argument("--confidence", default="0.95", help="신뢰수준 (기본 0.95)")
        prereg.add_argument("--actor", default=default_actor)

        status = sub.add_parser("status", help="현황")
        status.add_argument("campaign", type=int)
        status.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (services.CampaignError, ExperimentError) as exc:
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
        self.stdout.write(f"발송 예약: 캠페인 {c.pk}, {kdatetime(at)} (jingsu dispatch가 시작합니다)")

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

    def _arms(self, opts: dict[str, Any]) -> None:
        campaign = self._campaign(opts["campaign"])
        specs = [_arm_spec(campaign, i, raw) for i, raw in enumerate(opts["arm"], start=1)]
        strata = [s.strip() for s in opts["stratify"].split(",") if s.strip()]
        for s in strata:
            if s not in Experiment.Stratum.values:
                raise CommandError(f"--stratify 값 '{s}'{josa_of(s, '을')} 알 수 없습니다: "
                                   + ", ".join(f"{v}({label})" for v, label in Experiment.Stratum.choices)
                                   + " 중에서 고르세요.", returncode=2)
        rows = experiments.set_arms(campaign, specs, stratify=strata, actor=opts["actor"], clock=runtime().clock)
        campaign.refresh_from_db()
        self.stdout.write(f"캠페인 {campaign.pk} 비교군 {len(rows)}개 (대조군 {campaign.control_share}%):")
        for arm in rows:
            self.stdout.write("  " + _arm_line(arm))
        self.stdout.write("  층화 기준: " + _strata_text(campaign))
        self.stdout.write("대상을 확정할 때 납세자마다 비교군을 배정합니다. 승인 전에 실험 설계를 기록하세요 "
                          "(jingsu campaign preregister).")

    def _preregister(self, opts: dict[str, Any]) -> None:
        campaign = self._campaign(opts["campaign"])
        outcome = opts["outcome"]
        if outcome not in Experiment.Outcome.values:
            raise CommandError(f"--outcome 값 '{outcome}': "
                               + " 또는 ".join(f"{v}({label})" for v, label in Experiment.Outcome.choices)
                               + "여야 합니다.", returncode=2)
        exp = experiments.preregister(
            campaign, hypothesis=opts["hypothesis"], outcome=outcome,
            window_days=int(_number("--window-days", opts["window_days"], integer=True)),
            min_effect=_number("--min-effect", opts["min_effect"]), baseline=_number("--baseline", opts["baseline"]),
            spread=_number("--spread", opts["spread"]) if opts["spread"] not in (None, "") else None,
            confidence=_number("--confidence", opts["confidence"]), actor=opts["actor"], clock=runtime().clock)
        self.stdout.write(f"실험 설계 기록: 캠페인 {campaign.pk} ({_record_line(exp)})")
        for line in _power_lines(campaign, exp):
            self.stdout.write(line)

    def _status(self, opts: dict[str, Any]) -> None:
        campaign = self._campaign(opts["campaign"])
        report = delivery_services.campaign_status(campaign)
        p = control.progress(campaign)
        report["progress"] = {"target": p.target, "handed_over": p.handed_over, "settled": p.settled}
        arms = list(Arm.objects.filter(campaign=campaign).select_related("template").order_by("label"))
        sizes = experiments.group_sizes(campaign) if arms and campaign.status != Campaign.Status.DRAFT else {}
        exp = Experiment.objects.filter(campaign=campaign).first()
        if arms:  # an experiment (notices.experiments)
            report["arms"] = [{"label": a.label, "name": a.name, "template_version": a.template.version,
                               "share": a.share, "channels": a.channels,
                               "send_at": a.send_at.astimezone(SEOUL).isoformat() if a.send_at else None,
                               "notices": sizes.get(a.label)} for a in arms]
            report["strata"] = campaign.strata
            report["experiment"] = None if exp is None else {
                "hypothesis": exp.hypothesis, "outcome": exp.outcome, "window_days": exp.window_days,
                "min_effect": exp.min_effect, "baseline": exp.baseline, "spread": exp.spread,
                "confidence": exp.confidence, "power": exp.power, "frozen_by": exp.frozen_by,
                "frozen_at": exp.frozen_at.astimezone(SEOUL).isoformat() if exp.frozen_at else None}
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(f"캠페인 {campaign.pk} {campaign.name}: {campaign.get_status_display()}")
        self.stdout.write(f"  발송 {p.handed_over:,}/{p.target:,}건, 마감 {p.settled:,}/{p.target:,}건")
        self.stdout.write("  안내문: " + ", ".join(f"{Notice.Status(k).label} {v:,}" for k, v in report["notices"].items()))
        for channel, counts in report["attempts"].items():
            self.stdout.write(f"  {Channel(channel).label}: "
                              + ", ".join(f"{AttemptStatus(k).label} {v:,}" for k, v in counts.items()))
        if not arms:
            return
        self.stdout.write(f"  비교군 (대조군 {campaign.control_share}%"
                          + (f", {sizes['control']:,}건" if sizes else "") + "):")
        for arm in arms:
            self.stdout.write("    " + _arm_line(arm) + (f", 안내문 {sizes[arm.label]:,}건" if sizes else ""))
        self.stdout.write("  층화 기준: " + _strata_text(campaign))
        if exp is None:
            self.stdout.write("  실험 설계: 기록되지 않음 (승인 전에 jingsu campaign preregister로 기록하세요)")
            return
        self.stdout.write(f"  실험 설계: {_record_line(exp)}")
        self.stdout.write(f"    가설: {exp.hypothesis}")
        if exp.frozen_at is not None:
            self.stdout.write(f"    승인 때 고정됨: {kdatetime(exp.frozen_at)}, 승인자 {exp.frozen_by}")
        for line in _power_lines(campaign, exp):
            self.stdout.write(f"  {line}")

