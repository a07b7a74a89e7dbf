"""`jingsu campaign arms|preregister|status` (issue #17): the experiment's arms and its pre-registration from the
command line, with the power for the built sizes; a bad value names its parameter."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingsu.core.models import Jurisdiction
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.models import Arm, Campaign, Experiment, NoticeTemplate
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll

AS_OF = date(2026, 11, 23)


@pytest.fixture
def campaign(jungnang, clock, tmp_path) -> Campaign:
    path = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=240, seed=5, out=path, today=AS_OF)
    import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    notices.add_template_version("arrears", actor="setup", clock=clock, name="사회 규범",
                                 alert_text="기한 안에 꼭 내 주세요. {office_name}에서 보낸 {document_kind}입니다.")
    return notices.create_campaign(jungnang, name="CLI 실험", kind="arrears", as_of=AS_OF, actor="담당자",
                                   clock=clock, control_share=10, control_seed=4242, template=base)


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("campaign", *args, stdout=out)
    return out.getvalue()


def variant_version() -> int:
    """The 사회 규범 variant: the newest arrears version (the campaign uses the one before)."""
    return NoticeTemplate.objects.filter(kind="arrears").latest("version").version


def test_the_command_sets_arms_records_the_design_prints_the_power_and_the_status(campaign):
    a, b = campaign.template.version, variant_version()
    pk = str(campaign.pk)
    out = run("arms", pk, "--arm", f"기본 문구:{a}:45", "--arm", f"사회 규범:{b}:45:sms,paper:2026-11-24T10:00",
              "--stratify", "amount,age", "--actor", "담당자")
    assert "비교군 2개 (대조군 10%)" in out and "층화 기준: 체납액 구간, 체납 기간" in out
    assert "B 사회 규범: 체납안내문" in out and "문자 메시지 → 종이 우편" in out and "2026. 11. 24. 10:00" in out
    arms = list(Arm.objects.filter(campaign=campaign).order_by("label"))
    assert [(x.label, x.name, x.template.version, x.share, x.channels) for x in arms] == [
        ("A", "기본 문구", a, 45, None), ("B", "사회 규범", b, 45, ["sms", "paper"])]
    assert arms[1].send_at.isoformat() == "2026-11-24T01:00:00+00:00"
    campaign.refresh_from_db()
    assert campaign.strata == ["amount", "age"]
    # recorded on the draft: the power comes after the build
    out = run("preregister", pk, "--hypothesis", "사회 규범 문구가 납부율을 높인다", "--outcome", "paid",
              "--window-days", "14", "--min-effect", "5", "--baseline", "30", "--actor", "담당자")
    assert "실험 설계 기록" in out and "기간 내 납부율, 관찰 기간 14일, 최소 효과 5%포인트, 기준값 30%" in out
    assert "검정력은 대상을 확정한 뒤에 보여 줍니다" in out
    run("build", pk, "--actor", "담당자")
    # rewritten after the build: the power for the built sizes
    out = run("preregister", pk, "--hypothesis", "사회 규범 문구가 납부율을 높인다", "--outcome", "paid",
              "--window-days", "14", "--min-effect", "20", "--baseline", "30", "--confidence", "0.9",
              "--actor", "담당자")
    exp = Experiment.objects.get(campaign=campaign)
    sizes = experiments.group_sizes(campaign)
    power = experiments.power(exp, sizes)
    assert exp.min_effect == 20 and exp.confidence == 0.9
    assert f"검정력: {round(power * 100)}% (대조군 {sizes['control']:,}건, 비교군 A {sizes['A']:,}건, " \
           f"비교군 B {sizes['B']:,}건)" in out
    assert ("최소 효과를 찾아낼 가능성이 낮습니다" in out) == (power < 0.8)
    status = run("status", pk)
    assert "비교군 (대조군 10%" in status and f"A 기본 문구: 체납안내문 {a}판, 45%" in status
    assert f"안내문 {sizes['B']:,}건" in status and "실험 설계: 기간 내 납부율" in status
    assert "가설: 사회 규범 문구가 납부율을 높인다" in status and f"검정력: {round(power * 100)}%" in status
    as_json = json.loads(run("status", pk, "--json"))
    assert [x["label"] for x in as_json["arms"]] == ["A", "B"] and as_json["experiment"]["min_effect"] == 20
    # approved by another person: frozen, and the command says so
    run("approve", pk, "--actor", "팀장")
    status = run("status", pk)
    assert "승인 때 고정됨: 2026. 11. 23. 10:00, 승인자 팀장" in status
    with pytest.raises(CommandError, match="승인 전에만 기록할 수 있습니다"):
        run("preregister", pk, "--hypothesis", "다시", "--outcome", "paid", "--window-days", "14",
            "--min-effect", "1", "--baseline", "30")


def test_approval_from_the_command_line_waits_for_the_design(campaign):
    a, b = campaign.template.version, variant_version()
    pk = str(campaign.pk)
    run("arms", pk, "--arm", f"가:{a}:45", "--arm", f"나:{b}:45")
    run("build", pk, "--actor", "담당자")
    with pytest.raises(CommandError, match="실험 설계.*기록되지 않았습니다"):
        run("approve", pk, "--actor", "팀장")
    assert "실험 설계: 기록되지 않음" in run("status", pk)


@pytest.mark.parametrize(("args", "message"), [
    (("--arm", "가:{a}:45", "--arm", "나:둘:45"), "--arm 2번째 값 '서식판'은 판 번호"),
    (("--arm", "가:{a}:45", "--arm", "나:99:45"), "--arm 2번째 값 '서식판': 체납안내문 99판 서식이 없습니다"),
    (("--arm", "가:{a}:45", "--arm", "나:{b}:반"), "--arm 2번째 값 '비율'은"),
    (("--arm", "가:{a}", "--arm", "나:{b}:45"), "--arm 1번째 값 '가:"),
    (("--arm", "가:{a}:45:fax", "--arm", "나:{b}:45"), "--arm 1번째 값 '채널': 발송 채널은"),
    (("--arm", "가:{a}:45", "--arm", "나:{b}:45::내일"), "--arm 2번째 값 '발송 시각'은 YYYY-MM-DDTHH:MM"),
    (("--arm", "가:{a}:45", "--arm", "나:{b}:45", "--stratify", "zodiac"), "--stratify 값 'zodiac'"),
    (("--arm", "가:{a}:40", "--arm", "나:{b}:40"), "합계가 100%여야 합니다 \\(지금 90%\\)"),
])
def test_a_bad_arm_names_the_parameter_and_sets_nothing(campaign, args, message):
    a, b = campaign.template.version, variant_version()
    with pytest.raises(CommandError, match=message):
        run("arms", str(campaign.pk), *(x.format(a=a, b=b) for x in args))
    assert not Arm.objects.filter(campaign=campaign).exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"--window-days": "두 주"}, "--window-days 값 '두 주'가 정수가 아닙니다"),
    ({"--min-effect": "많이"}, "--min-effect 값 '많이'가 숫자가 아닙니다"),
    ({"--outcome": "paid-rate"}, "--outcome 값 'paid-rate'"),
    ({"--outcome": "amount"}, "징수액 표준편차 예상"),
])
def test_a_bad_design_names_the_parameter(campaign, change, message):
    a, b = campaign.template.version, variant_version()
    run("arms", str(campaign.pk), "--arm", f"가:{a}:45", "--arm", f"나:{b}:45")
    values = {"--hypothesis": "가설", "--outcome": "paid", "--window-days": "14", "--min-effect": "5",
              "--baseline": "30"} | change
    with pytest.raises(CommandError, match=message):
        run("preregister", str(campaign.pk), *(x for kv in values.items() for x in kv))
    assert not Experiment.objects.filter(campaign=campaign).exists()
