"""A campaign's experiment: arms set on the draft, drawn at the build (balanced within strata, reproducible from
the seed), the pre-registration required and frozen at approval, each arm's template, channel order and send moment
followed when sending (through the simulator over HTTP)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from _simulator import providers, simulator  # noqa: F401 (fixtures)
from jingsu.core.models import Jurisdiction
from jingsu.delivery import services as delivery
from jingsu.delivery.models import DeliveryAttempt
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.documents import notice_canonical_content, render_alert
from jingsu.notices.experiments import ArmSpec, ExperimentError
from jingsu.notices.models import Campaign, Experiment, ExperimentFrozen, Notice, NoticeTemplate
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll

sim = simulator(seed=17)
AS_OF = date(2026, 11, 23)
NORM = "기한 안에 꼭 내 주세요."


@pytest.fixture
def roll(jungnang, clock, tmp_path):
    path = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=240, seed=5, out=path, today=AS_OF)
    import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    return jungnang


def variant(clock) -> NoticeTemplate:
    return notices.add_template_version("arrears", actor="maker", clock=clock, name="사회 규범",
                                        alert_text=NORM + " {office_name}에서 보낸 {document_kind}입니다.")


def draft(j, clock, *, control_share=10, seed=4242, **kw) -> Campaign:
    return notices.create_campaign(j, name="실험", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                   control_share=control_share, control_seed=seed, **kw)


def two_arms(campaign, clock, b_template, *, stratify=("amount", "age"), **b) -> list:
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).exclude(pk=b_template.pk).latest("version")
    return experiments.set_arms(campaign, [ArmSpec("기본 문구", base, 45), ArmSpec("사회 규범", b_template, 45, **b)],
                                stratify=list(stratify), actor="maker", clock=clock)


def register(campaign, clock, **kw):
    values = dict(hypothesis="사회 규범 문구가 기본 문구보다 납부율을 높인다", outcome="paid", window_days=14,
                  min_effect=5, baseline=30)
    return experiments.preregister(campaign, actor="maker", clock=clock, **(values | kw))


def test_arms_are_refused_where_the_law_fixes_the_document_or_the_shares_do_not_add_up(roll, clock):
    b = variant(clock)
    demand = notices.create_campaign(roll, name="독촉", kind="demand", as_of=AS_OF, actor="maker", clock=clock)
    base = NoticeTemplate.objects.filter(kind="demand").first()
    with pytest.raises(ExperimentError, match="독촉장은 법이 정한 서류"):
        experiments.set_arms(demand, [ArmSpec("가", base, 50), ArmSpec("나", base, 50)], actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="독촉장은 법이 정한 서류라 대조군을 둘 수 없습니다"):
        notices.create_campaign(roll, name="독촉", kind="demand", as_of=AS_OF, actor="maker", clock=clock,
                                control_share=10)  # withholding a 독촉장 breaks 지방세징수법 제32조①
    c = draft(roll, clock)
    with pytest.raises(ExperimentError, match="합계가 100%여야 합니다 \\(지금 90%\\)"):
        experiments.set_arms(c, [ArmSpec("가", b, 40), ArmSpec("나", b, 40)], actor="maker", clock=clock)
    with pytest.raises(ExperimentError, match="2개부터"):
        experiments.set_arms(c, [ArmSpec("가", b, 90)], actor="maker", clock=clock)
    with pytest.raises(ExperimentError, match="비교군 B: 종이 우편은 마지막|종이 우편은 마지막"):
        two_arms(c, clock, b, channels=["paper", "sms"])
    with pytest.raises(ExperimentError, match="발송 시각이 이미 지났습니다"):
        two_arms(c, clock, b, send_at=clock.now() - timedelta(hours=1))
    with pytest.raises(ExperimentError, match="알 수 없는 층화 기준"):
        two_arms(c, clock, b, stratify=["amount", "zodiac"])
    assert not c.arms.exists()


def test_the_build_draws_each_taxpayer_once_balanced_within_strata_and_again_the_same_from_the_seed(roll, clock):
    b = variant(clock)
    first = draft(roll, clock)
    arms = two_arms(first, clock, b)
    notices.build_campaign(first, actor="maker", clock=clock)
    rows = list(Notice.objects.filter(campaign=first).values_list("taxpayer_id", "arm__label", "control_group",
                                                                  "total_amount"))
    assert all((arm is None) == control for _, arm, control, _ in rows)  # every notice in one group
    sizes = Counter(arm or "control" for _, arm, _, _ in rows)
    # shares 10 / 45 / 45 → blocks of 2 / 9 / 9: each stratum leaves at most one unfinished block
    first_campaign = Campaign.objects.get(pk=first.pk)
    assigner = experiments.Assigner(first_campaign)
    strata = Counter(assigner.stratum(t, total, None).split("/")[0] for t, _, _, total in rows)
    assert len(strata) > 1
    assert abs(sizes["A"] - sizes["B"]) <= 9 * 6 and sizes["control"] < sizes["A"]
    assert set(sizes) == {"A", "B", "control"} and sum(sizes.values()) == len(rows)
    # each arm's documents carry its own template version in their hashed content
    for n in Notice.objects.filter(campaign=first, arm__isnull=False).select_related("arm__template")[:20]:
        assert json.loads(notice_canonical_content(n))["template"]["version"] == n.arm.template.version
    assert {n.arm.template.pk for n in Notice.objects.filter(arm__label="B")} == {b.pk}
    assert [a.label for a in arms] == ["A", "B"]
    # the same seed over the same roll: the same groups
    again = draft(roll, clock)
    two_arms(again, clock, b)
    notices.build_campaign(again, actor="maker", clock=clock)
    assert dict(Notice.objects.filter(campaign=again).values_list("taxpayer_id", "arm__label")) == {
        t: arm for t, arm, _, _ in rows}
    # another seed: other groups
    other = draft(roll, clock, seed=7)
    two_arms(other, clock, b)
    notices.build_campaign(other, actor="maker", clock=clock)
    assert dict(Notice.objects.filter(campaign=other).values_list("taxpayer_id", "arm__label")) != {
        t: arm for t, arm, _, _ in rows}


def test_arms_are_balanced_in_every_stratum(roll, clock):
    c = draft(roll, clock, control_share=0)
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    experiments.set_arms(c, [ArmSpec("가", base, 50), ArmSpec("나", variant(clock), 50)],
                         stratify=["amount"], actor="maker", clock=clock)
    notices.build_campaign(c, actor="maker", clock=clock)
    assigner = experiments.Assigner(Campaign.objects.get(pk=c.pk))
    by_stratum: dict[str, Counter] = {}
    for t, arm, total in Notice.objects.filter(campaign=c).values_list("taxpayer_id", "arm__label", "total_amount"):
        by_stratum.setdefault(assigner.stratum(t, total, None), Counter())[arm] += 1
    assert len(by_stratum) >= 2
    for counts in by_stratum.values():  # blocks of A, B: never more than one apart
        assert abs(counts["A"] - counts["B"]) <= 1, counts


def test_approval_needs_the_pre_registration_and_freezes_it_with_its_power(roll, clock):
    c = draft(roll, clock)
    two_arms(c, clock, variant(clock))
    notices.build_campaign(c, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="실험 설계.*기록되지 않았습니다"):
        notices.approve_campaign(c, actor="checker", clock=clock)
    with pytest.raises(ExperimentError, match="가설을 입력하세요"):
        register(c, clock, hypothesis=" ")
    exp = register(c, clock)
    assert exp.frozen_at is None
    notices.approve_campaign(c, actor="checker", clock=clock)
    exp.refresh_from_db()
    assert exp.frozen_by == "checker" and exp.frozen_at == clock.now()
    sizes = experiments.group_sizes(c)
    assert exp.power == pytest.approx(experiments.power(exp, sizes), abs=1e-4)
    assert 0 < exp.power < 1
    with pytest.raises(ExperimentError, match="승인 전에만 기록할 수 있습니다"):
        register(c, clock, min_effect=1)
    exp.min_effect = 1
    with pytest.raises(ExperimentFrozen):
        exp.save()
    assert Experiment.objects.get(pk=exp.pk).min_effect == 5


def test_power_grows_with_the_groups_and_the_effect(roll, clock):
    c = draft(roll, clock)
    two_arms(c, clock, variant(clock))
    exp = register(c, clock)
    small = experiments.power(exp, {"control": 100, "A": 500, "B": 500})
    large = experiments.power(exp, {"control": 100, "A": 5000, "B": 5000})
    assert small < large and large > 0.99
    exp.min_effect = 2
    assert experiments.power(exp, {"control": 100, "A": 500, "B": 500}) < small


def test_each_arm_goes_with_its_alert_its_channel_order_and_at_its_moment(roll, clock, providers, sim):  # noqa: F811
    b = variant(clock)
    c = draft(roll, clock)
    later = clock.now() + timedelta(days=1)
    two_arms(c, clock, b, channels=["sms", "paper"], send_at=later)
    notices.build_campaign(c, actor="maker", clock=clock)
    register(c, clock)
    notices.approve_campaign(c, actor="checker", clock=clock)
    delivery.start_campaign(c, providers, actor="checker", clock=clock)
    firsts = DeliveryAttempt.objects.filter(notice__campaign=c, sequence=1)
    b_channels = set(firsts.filter(notice__arm__label="B").values_list("channel", flat=True))
    assert b_channels <= {"sms", "paper"} and "sms" in b_channels  # B's own order: no Kakao, no KT
    assert firsts.filter(notice__arm__label="A", channel="kakao").exists()
    delivery.send_queued(providers, clock=clock, limit=10**6)
    assert firsts.filter(notice__arm__label="A", sent_at__isnull=False).exists()
    assert not firsts.filter(notice__arm__label="B", sent_at__isnull=False).exists()  # B waits for its moment
    clock.advance(timedelta(days=1))
    sim.control.set_clock(clock.now())
    delivery.send_queued(providers, clock=clock, limit=10**6)
    assert firsts.filter(notice__arm__label="B", channel="sms", sent_at=clock.now()).exists()
    # each arm's alert is its template's (the same for everyone of the arm, nothing personal)
    assert NORM in render_alert(c, template=b).text
    assert NORM not in render_alert(c, template=c.arms.get(label="A").template).text
