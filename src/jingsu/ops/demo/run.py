"""The walking skeleton: the whole pipeline on the embedded default, in one command.

generate a roll → import it → build a 체납안내 campaign (one notice per taxpayer bundling all their arrears) →
approve it (a second person) → deliver through the simulator (a real HTTP server in a subprocess) while time moves
forward → read the bank feed and reconcile → print a summary and write the report.

The demo's history ends when the demo does: its simulated weeks are placed in the past so that the last moment they
reach is not after the clock's `now` (the caller's clock: the wall clock for `jingsu demo`, a fixed one in tests).
`jingsu serve` afterwards runs at the real present, so every screen tells one story with nothing in the future.

Each stage is the same service function the CLI, the workers and the console call; the demo only moves the clock.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import TextIO

from jingsu.clock import SEOUL, Clock, ManualClock, today
from jingsu.core.formats import kdate, won
from jingsu.core.models import Jurisdiction, Sender
from jingsu.delivery import paper
from jingsu.delivery import services as delivery
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.experiments import ArmSpec
from jingsu.notices.models import Arm, Campaign, Channel, Experiment, Notice, NoticeTemplate
from jingsu.ops.demo import enforcement as demo_enforcement
from jingsu.ops.demo import rewards as demo_rewards
from jingsu.payments import services as payments
from jingsu.payments.accounts import import_pool
from jingsu.payments.models import VirtualAccount
from jingsu.providers.registry import simulator_providers
from jingsu.reports.effects import campaign_effects, render_html, render_xlsx
from jingsu.reports.experiments import experiment_report, render_experiment_html, render_experiment_xlsx
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll
from jingsu.simulator.client import SimulatorControl
from jingsu.simulator.process import SimulatorProcess

MAKER = "demo:담당자"
CHECKER = "demo:팀장"


@dataclass
class DemoResult:
    effects: dict
    report_html: Path
    report_json: Path
    seconds: float


def run_demo(
    *,
    taxpayers: int = 5000,
    out: Path = Path("var/demo"),
    jurisdiction: str = "11260",
    seed: int = 2026,
    days: int = 37,
    control_share: int = 10,
    stdout: TextIO = sys.stdout,
    clock: Clock,
) -> DemoResult:
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    start = history_start(clock.now(), days)
    clock = ManualClock(start)

    def say(message: str) -> None:
        stdout.write(f"[{time.monotonic() - started:6.1f}s | {clock.now():%Y-%m-%d %H:%M}] {message}\n")
        stdout.flush()

    j = Jurisdiction.by_code(jurisdiction)
    sender = set_demo_office(j)
    say(f"    발신: {sender.contact} (jingsu office {j.code}로 바꿀 수 있습니다)")
    roll = out / f"roll-{jurisdiction}-{taxpayers}.csv"
    say(f"1/6 체납 자료 생성: {j.name} 납세자 {taxpayers:,}명 → {roll}")
    generated = generate_roll(jurisdiction=jurisdiction, taxpayers=taxpayers, seed=seed, out=roll, today=today(clock))
    say(f"    {generated.rows:,}행")

    say("2/6 체납 자료 가져오기 (전체 검증 후 기록)")
    imported = import_roll(roll, jurisdiction=Jurisdiction.by_code(jurisdiction), actor=MAKER, clock=clock)
    say(f"    납세자 {imported.taxpayers:,}명, 부과 {imported.rows:,}건 (신규 {imported.levies_created:,}, "
        f"변경 {imported.levies_updated:,}, 동일 {imported.levies_unchanged:,}), 체납액 {won(imported.total_arrears)}")

    free = VirtualAccount.objects.filter(jurisdiction_id=jurisdiction, taxpayer__isnull=True).count()
    if free < imported.taxpayers:
        pool = out / "virtual-accounts.csv"
        base = 56_000_000_000_000 + VirtualAccount.objects.count() + seed * 1_000_000
        pool.write_text("은행코드,가상계좌번호\n" + "".join(
            f"088,{base + i}\n" for i in range(imported.taxpayers - free)), encoding="utf-8")
        added = import_pool(pool, jurisdiction=j, actor=MAKER, clock=clock)
        say(f"    은행 가상계좌 풀 {added:,}개 등록 → {pool}")

    say("3/6 체납안내 캠페인: 문구 실험(비교군) → 대상 확정 → 실험 설계 기록 → 승인")
    campaign = notices.create_campaign(
        j, name=f"{j.name} 체납안내 {kdate(today(clock))}", kind="arrears", as_of=today(clock), actor=MAKER,
        control_share=control_share, control_seed=seed, clock=clock,
        template=library_template(NoticeTemplate.Style.STANDARD),
    )
    arms = demo_arms(campaign, control_share, clock=clock)
    built = notices.build_campaign(campaign, actor=MAKER, clock=clock)
    exp = experiments.preregister(
        campaign, hypothesis="다음 체납처분과 그 날짜를 알리는 문구(B)가 기본 문구(A)보다 14일 안 납부율을 높인다",
        outcome="paid", window_days=14, min_effect=5, baseline=45, actor=MAKER, clock=clock)
    notices.approve_campaign(campaign, actor=CHECKER, clock=clock)
    exp.refresh_from_db()
    say(f"    안내문 {built.notices:,}건 (대조군 {built.control:,}건), 체납 {built.lines:,}건 묶음, {won(built.total_amount)}")
    sizes = experiments.group_sizes(campaign)
    say("    비교군: " + ", ".join(f"{a.label} {a.name} {sizes[a.label]:,}건" for a in arms)
        + f"; 승인 때 고정된 실험 설계의 검정력 {exp.power:.0%}")

    # the demo's own random callback secrets, the same for the simulator and the adapters (never published ones)
    kt_secret, pg_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with SimulatorProcess(seed=seed, start=clock.now(), callback_secret=kt_secret, pg_secret=pg_secret) as sim:
        control = SimulatorControl(sim.url)
        control.set_clock(clock.now())
        providers = simulator_providers(sim.url, kt_callback_secret=kt_secret, pg_secret=pg_secret)
        reward_demo = demo_rewards.prepare(campaign, clock=clock)
        say(f"    포상금 대상이 될 체납처분 {reward_demo.actions}건 기록 (압류·번호판 영치)")
        say(f"4/6 발송 (시뮬레이터 {sim.url})")
        started_send = delivery.start_campaign(campaign, providers, actor=CHECKER, clock=clock)
        say("    첫 채널: " + ", ".join(f"{Channel(k).label} {v:,}" for k, v in sorted(started_send.by_channel.items())))
        delivery.send_queued(providers, clock=clock, limit=10**9)
        print_dir = out / "print"
        paper.print_batch(providers, clock=clock, out_dir=print_dir, pdf=False)

        say(f"5/6 {days}일 동안 (처음 사흘은 3시간, 이후 12시간 간격): 상태 조회 → 재발송 → 종이 → 수납")
        feed_total = payments.FeedSummary()
        end = start + timedelta(days=days)
        step = 0
        while clock.now() < end:
            step += 1
            elapsed = clock.now() - start
            clock.advance(timedelta(hours=3 if elapsed < timedelta(days=3) else 12))
            control.set_clock(clock.now())
            delivery.poll_statuses(providers, clock=clock)
            delivery.fallback_due(clock=clock)
            delivery.send_queued(providers, clock=clock, limit=10**9)
            paper.print_batch(providers, clock=clock, out_dir=print_dir, pdf=False)
            feed = payments.read_bank_feed(providers, clock=clock)
            for field in ("received", "new", "duplicates", "matched", "unmatched", "amount"):
                setattr(feed_total, field, getattr(feed_total, field) + getattr(feed, field))
            day = (clock.now() - start).days
            if clock.now().hour == 10 and day % 7 == 0:
                say(f"    {day}일째: 수납 {feed_total.new:,}건 {won(feed_total.amount)}")

        say("    체납처분: 오늘의 대상 목록 → 처분마다 사건 하나를 단계별로 (요청 담당자, 승인 팀장; 예고·사전 통지는 "
            "안내문을 보낸 뒤)")
        enforcement_text = demo_enforcement.run(j, providers, clock=clock, out=out, maker=MAKER, checker=CHECKER,
                                                say=say)

    say("    세입징수 포상금: 징수대장 → 공적심사위원회 → 심사결정 → 지급신청 → 이체")
    reward_text = demo_rewards.review(campaign, reward_demo, clock=clock, out=out)
    samples = _sample_pdfs(campaign, out / "samples")
    say("6/6 결과")
    effects = campaign_effects(campaign)
    effects["payments"] = feed_total.__dict__
    report_json = out / "effects.json"
    report_html = out / "effects.html"
    report_json.write_text(json.dumps(effects, ensure_ascii=False, indent=2))
    report_html.write_text(render_html(effects))
    (out / "effects.xlsx").write_bytes(render_xlsx(effects))
    experiment = experiment_report(campaign, now=clock.now())
    (out / "experiment.json").write_text(json.dumps(experiment, ensure_ascii=False, indent=2))
    (out / "experiment.html").write_text(render_experiment_html(experiment))
    (out / "experiment.xlsx").write_bytes(render_experiment_xlsx(experiment))
    _print_summary(effects, stdout)
    stdout.write(f"종이 묶음: {out / 'print'} (목록 manifest.csv; 데모는 PDF를 견본 {len(samples)}건만 만듭니다 → "
                 f"{out / 'samples'}. 실제 인쇄는 `jingsu print-batch`가 안내문마다 PDF를 만듭니다)\n")
    stdout.write("\n문구 실험 (" + experiment["summary"] + ")\n" + "\n".join(f"  {v}" for v in experiment["verdicts"])
                 + f"\n  실험 보고서: {out / 'experiment.html'}\n")
    stdout.write("\n" + reward_text + "\n")
    stdout.write("\n" + enforcement_text + "\n")
    stdout.write(f"\n보고서: {report_html}  /  {report_json}\n")
    return DemoResult(effects, report_html, report_json, time.monotonic() - started)


def library_template(style: str) -> NoticeTemplate:
    """The latest active 체납안내문 version of a style of the wording library (docs/notices.md)."""
    return NoticeTemplate.objects.filter(kind=Campaign.Kind.ARREARS, style=style, active=True).latest("version")


def demo_arms(campaign: Campaign, control_share: int, *, clock: Clock) -> list[Arm]:
    """The demo's experiment (docs/experiments.md): A the standard wording, B the library's 체납처분 예고 (each
    taxpayer's next measure and its date from the enforcement rules), the rest of the taxpayers split between them,
    balanced within amount bands and ages of arrears."""
    half = (100 - control_share) // 2
    return experiments.set_arms(campaign, [
        ArmSpec("기본 문구", library_template(NoticeTemplate.Style.STANDARD), 100 - control_share - half),
        ArmSpec("체납처분 예고", library_template(NoticeTemplate.Style.DETERRENCE), half),
    ], stratify=[Experiment.Stratum.AMOUNT, Experiment.Stratum.AGE], actor=MAKER, clock=clock)


#: The office that sends in the demo (the alerts, documents and portal pages name it, with its number).
DEMO_OFFICES = {"11260": ("중랑구 세무1과", "체납징수팀", "02-2094-1234")}


def set_demo_office(j: Jurisdiction) -> Sender:
    """The demo's sender, through the same `jingsu office` command an office uses (audited): 중랑구 세무1과
    체납징수팀 and a 02- number for 중랑구; another jurisdiction keeps what it has, with a 체납징수팀 if it has none."""
    import io

    from django.core.management import call_command

    office, team, phone = DEMO_OFFICES.get(j.code, (j.office_name or j.name, j.office_team or "체납징수팀",
                                                    j.office_phone))
    options = {"office": office, "team": team, **({"phone": phone} if phone else {})}
    call_command("office", j.code, actor=MAKER, stdout=io.StringIO(), **options)
    j.refresh_from_db()
    return j.sender


def history_start(now: datetime, days: int) -> datetime:
    """10:00 (within the default send window) `days` days before the last 10:00 not after `now`: the demo's
    simulated history then ends at or before `now`, never after it."""
    local = now.astimezone(SEOUL)
    end_day = local.date() if local.time() >= time_of_day(10) else local.date() - timedelta(days=1)
    return datetime.combine(end_day - timedelta(days=days), time_of_day(10), tzinfo=SEOUL)


def _sample_pdfs(campaign: Campaign, directory: Path, count: int = 3) -> list[Path]:
    """A few notices as the paper PDF a citizen would receive (file names carry no personal data)."""
    from jingsu.notices.documents import notices_for_rendering, render_pdfs

    directory.mkdir(parents=True, exist_ok=True)
    qs = notices_for_rendering(Notice.objects.filter(campaign=campaign, control_group=False).order_by("pk")[:count])
    paths = []
    for notice, pdf in render_pdfs(list(qs)):
        path = directory / f"{notice.reference}.pdf"
        path.write_bytes(pdf)
        paths.append(path)
    return paths


def _print_summary(e: dict, stdout: TextIO) -> None:
    lines = [
        "",
        f"안내 대상 {e['notices']:,}건 (대조군 {e['control_group']:,}건 별도)",
        "채널별 발송(도달/열람): " + ", ".join(
            f"{Channel(ch).label} {v['sent']:,}({v['delivered']:,}/{v['read']:,})" for ch, v in e["by_channel"].items()
        ),
        f"도달 {e['delivered']:,}건, 열람 {e['read']:,}건, 종이 {e['paper']:,}건",
        f"납부 {e['paid_count']:,}건 {won(e['paid_amount'])} (납부율 {e['paid_rate']:.1%}"
        + ("" if e["control_paid_rate"] is None else f", 대조군 {e['control_paid_rate']:.1%}") + ")",
        f"비용 {won(e['cost'])} / 전부 종이였다면 {won(e['paper_cost'])} → 절감 {won(e['saving'])}",
    ]
    up = e["uplift"]
    if up is not None:
        lo, hi = up["extra_amount_interval"]
        lines.append(f"대조군 대비 세입 확대 {won(up['extra_amount'])} (95% 신뢰구간 {won(lo)} ~ {won(hi)}), "
                     f"납부율 차이 {up['difference'] * 100:+.1f}%p")
    stdout.write("\n".join(lines) + "\n")
