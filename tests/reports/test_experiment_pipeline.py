"""An experiment from the roll to its report, through the simulator over HTTP: three arms and a control group —
A the standard wording, B with a marker the simulator's recipients are told to respond to, C the same wording as A
(an A/A pair inside the same run). The report finds B's configured effect and no difference between A and C.

The simulator adds `EFFECT` to the payment probability of every recipient whose Kakao message carries MARKER
(docs/simulator.md, "Wording"). The campaign goes by Kakao only, with no paper fallback inside the window, so the
per-notice effect the report estimates is EFFECT diluted only by who received the Kakao message (`reached`), by
those who would have paid anyway (the simulator's baseline payers) and by payments drawn after the 14-day window:
between 0.8 × EFFECT × reached and EFFECT × reached. The experiment is pre-registered at confidence 0.999, so a
true interval misses in about one run in a thousand (each of the six at 1 − 0.001/6); with about 900 notices an
arm, B's effect lies some four standard errors above 0 and the A/A pair's interval misses 0 about once in six
thousand runs. The coverage at 95 % over many seeds is the simulator's own test
(tests/simulator/test_wording_effects.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from _clock import T0
from jingsu.core.models import Jurisdiction
from jingsu.delivery import paper
from jingsu.delivery import services as delivery
from jingsu.delivery.models import DeliveryAttempt
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.experiments import ArmSpec
from jingsu.notices.models import Notice, NoticeTemplate
from jingsu.payments import services as payments
from jingsu.payments.accounts import import_pool
from jingsu.providers.registry import simulator_providers
from jingsu.reports.experiments import experiment_report, render_experiment_html
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll
from jingsu.simulator.process import SimulatorProcess

MARKER = "꼭 내 주세요"  # a marker of this test's own (the library's 사회 규범 needs the office's figures)
EFFECT = 0.3  # 0.66 + 0.3 (readers) and 0.08 + 0.3 stay below 1: no clamping
TAXPAYERS = 3000
AS_OF = date(2026, 11, 23)


@pytest.fixture
def sim():
    with SimulatorProcess(start=T0, seed=23, wording_effects={MARKER: EFFECT}) as s:
        yield s


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_report_recovers_a_configured_effect_and_finds_none_between_identical_arms(jungnang, clock, sim,
                                                                                        tmp_path):
    roll = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=TAXPAYERS, seed=8, out=roll, today=AS_OF)
    imported = import_roll(roll, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    pool = tmp_path / "accounts.csv"
    pool.write_text("은행코드,가상계좌번호\n" + "".join(f"088,{57_000_000_000_000 + i}\n"
                                                   for i in range(imported.taxpayers)), encoding="utf-8")
    import_pool(pool, jurisdiction=jungnang, actor="maker", clock=clock)

    standard = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    norm = notices.add_template_version(
        "arrears", actor="maker", clock=clock, based_on=standard, name="납부 독려(시험)",
        alert_text="기한 안에 꼭 내 주세요. {office_name}에서 보낸 {document_kind}입니다.")
    campaign = notices.create_campaign(jungnang, name="문구 실험", kind="arrears", as_of=AS_OF, actor="maker",
                                       clock=clock, control_share=10, control_seed=99, template=standard,
                                       channels=["kakao"], fallback_hours=24 * 60, read_deadline_days=30)
    experiments.set_arms(campaign, [ArmSpec("기본 문구", standard, 30), ArmSpec("납부 독려", norm, 30),
                                    ArmSpec("기본 문구 재현", standard, 30)],
                         stratify=["amount", "age"], actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    experiments.preregister(campaign, hypothesis="납부 독려 문구가 기본 문구보다 납부율을 높인다", outcome="paid",
                            window_days=14, min_effect=10, baseline=30, confidence=0.999, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)

    providers = simulator_providers(sim.url)
    sim.control.set_clock(clock.now())
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock, limit=10**6)
    paper.print_batch(providers, clock=clock, out_dir=tmp_path / "print", pdf=False)
    end = clock.now() + timedelta(days=15)
    while clock.now() < end:
        clock.advance(timedelta(hours=12))
        sim.control.set_clock(clock.now())
        delivery.poll_statuses(providers, clock=clock)
        delivery.fallback_due(clock=clock)
        delivery.send_queued(providers, clock=clock, limit=10**6)
        paper.print_batch(providers, clock=clock, out_dir=tmp_path / "print", pdf=False)
        payments.read_bank_feed(providers, clock=clock)

    report = experiment_report(campaign, now=clock.now())
    assert report["complete"] and report["preregistration"]["confidence"] == 0.999
    groups = {g["key"]: g for g in report["groups"]}
    assert set(groups) == {"control", "A", "B", "C"} and sum(g["n"] for g in groups.values()) == campaign.notices.count() > 2500
    comparisons = {(c["b"], c["a"]): c for c in report["comparisons"]}
    assert len(comparisons) == 6  # three arms against the control group, three pairs
    # B against A: the configured effect, diluted by who received the Kakao message, is inside the interval
    b_notices = Notice.objects.filter(campaign=campaign, arm__label="B")
    reached = (DeliveryAttempt.objects.filter(notice__in=b_notices, channel="kakao", delivered_at__isnull=False)
               .values("notice").distinct().count()) / b_notices.count()
    assert 0.5 < reached < 0.9
    low, high = comparisons[("B", "A")]["paid"]["interval"]
    assert low <= EFFECT * reached and high >= 0.8 * EFFECT * reached, (low, high, EFFECT * reached)
    assert low > 0 and comparisons[("B", "A")]["significant"]
    assert "B(납부 독려) 문구가 A(기본 문구)보다 납부율이" in comparisons[("B", "A")]["verdict"]
    # A/A: the same wording twice finds no difference beyond chance
    low, high = comparisons[("C", "A")]["paid"]["interval"]
    assert low <= 0 <= high and not comparisons[("C", "A")]["significant"]
    assert "우연의 범위를 넘지 않습니다" in comparisons[("C", "A")]["verdict"]
    # the notices reached the control group's taxpayers not at all; every arm did better than no notice
    assert not DeliveryAttempt.objects.filter(notice__campaign=campaign, notice__control_group=True).exists()
    assert all(comparisons[(arm, "control")]["paid"]["difference"] > 0 for arm in "ABC")
    html = render_experiment_html(report)
    assert "납부 독려 문구가 기본 문구보다 납부율을 높인다" in html and "<svg" in html
