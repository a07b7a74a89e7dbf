"""The experiment screens (issue #17): the wizard's step 6 (arms and strata, created and built in one POST), the
campaign page's 실험 section (arms with their notices, the pre-registration form, the power for the built sizes, the
record frozen at approval) and the approval refused while the record is missing — through the Django test client."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from _staff_helpers import as_, no_inline, text
from django.urls import reverse
from test_words import problems, visible_text

from jingsu.core.models import AuditLog
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.models import Arm, Campaign, Experiment, Notice, NoticeTemplate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]

POLICY = {"channel_1": "kakao", "channel_2": "kt", "channel_3": "sms", "channel_4": "paper", "fallback_hours": "24",
          "read_deadline_days": "7", "send_window_start": "09:00", "send_window_end": "20:00",
          "mail_class": "ordinary", "pay_by": ""}
RECORD = {"hypothesis": "사회 규범 문구가 기본 문구보다 기간 내 납부율을 높인다", "outcome": "paid",
          "window_days": "14", "min_effect": "5", "baseline": "30", "spread": "", "confidence": "0.95"}


@pytest.fixture
def templates(clock):
    """The arrears template the campaign uses (비교군 A) and a variant for 비교군 B."""
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    variant = notices.add_template_version("arrears", actor="setup", clock=clock, name="사회 규범",
                                           alert_text="기한 안에 꼭 내 주세요. {office_name}에서 보낸 "
                                                      "{document_kind}입니다.")
    return base, variant


def wizard(templates, **extra) -> dict[str, str]:
    base, variant = templates
    return {"kind": "arrears", "name": "문구 실험", "as_of": "2026-11-23", "control_share": "10", **POLICY,
            "template": str(base.pk), "experiment": "on", "arm_a_name": "기본 문구", "arm_a_share": "45",
            "arm_b_name": "사회 규범", "arm_b_template": str(variant.pk), "arm_b_share": "45", **extra}


def built_experiment(client, world, templates, **extra) -> Campaign:
    """A campaign of two arms without strata and without a control group (the small roll's few taxpayers then
    fall into both arms), created through the wizard by the clerk."""
    data = wizard(templates, control_share="0", arm_a_share="50", arm_b_share="50", **extra)
    r = as_(client, world).post(reverse("staff:campaign_new"), data)
    assert r.status_code == 302, text(r)
    return Campaign.objects.get(name="문구 실험")


def test_the_wizard_creates_a_campaign_with_two_arms_and_strata_and_builds_it(world, client, templates):
    base, variant = templates
    form = as_(client, world).get(reverse("staff:campaign_new"))
    body = text(form)
    assert form.status_code == 200 and "6. 문구 실험 (비교군)" in body and "비교군을 두어 문구를 실험합니다" in body
    assert 'id="experiment-refusal" hidden' in body  # 체납안내문: the step is offered
    no_inline(form)
    r = client.post(reverse("staff:campaign_new"), wizard(
        templates, stratify=["amount", "reach"], arm_b_channel_1="sms", arm_b_channel_2="paper",
        arm_b_send_at="2026-11-24T10:00"))
    assert r.status_code == 302, text(r)
    c = Campaign.objects.get(name="문구 실험")
    assert c.status == Campaign.Status.BUILT and c.strata == ["amount", "reach"]
    arms = list(Arm.objects.filter(campaign=c).order_by("label"))
    assert [(a.label, a.name, a.template, a.share) for a in arms] == [
        ("A", "기본 문구", base, 45), ("B", "사회 규범", variant, 45)]
    assert arms[0].channels is None and arms[0].send_at is None
    assert arms[1].channels == ["sms", "paper"] and arms[1].send_at.isoformat() == "2026-11-24T01:00:00+00:00"
    # every notice in the control group or in one arm, and the page counts them per arm
    built = Notice.objects.filter(campaign=c)
    assert built.count() > 0
    assert all((n.arm_id is None) == n.control_group for n in built)
    per_arm = Counter(built.exclude(arm=None).values_list("arm__label", flat=True))
    assert sum(per_arm.values()) + built.filter(control_group=True).count() == built.count()
    assert experiments.group_sizes(c) == {"control": built.filter(control_group=True).count(),
                                          "A": per_arm["A"], "B": per_arm["B"]}
    assert AuditLog.objects.filter(action="experiment.arms", target_id=str(c.pk)).exists()
    page = client.get(reverse("staff:campaign_detail", args=[c.pk]))
    body = text(page)
    assert 'id="campaign-experiment"' in body and "층화 기준: 체납액 구간, 전자 발송 가능 여부" in body
    assert "문자 메시지 → 종이 우편" in body and "2026. 11. 24. 10:00" in body and "캠페인과 같음" in body
    assert f"{per_arm['B']:,}건" in body and variant.label in body
    assert "실험 설계가 아직 기록되지 않았습니다" in body and 'id="experiment-form"' in body
    no_inline(page)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"arm_b_share": "40"}, "arm_a_share", "합계가 100%여야 합니다 (지금 95%)"),
    ({"arm_b_name": " "}, "arm_b_name", "비교군 B의 이름을 입력하세요"),
    ({"arm_b_template": ""}, "arm_b_template", "서식 판을 고르세요"),
    ({"arm_b_channel_1": "paper", "arm_b_channel_2": "sms"}, "arm_b_channel_1", "종이 우편은 마지막 순위여야"),
    ({"arm_b_send_at": "2026-11-23T09:00"}, "arm_b_send_at", "발송 시각이 이미 지났습니다"),
    ({"kind": "demand", "template": ""}, "experiment", "독촉장은 법이 정한 서류라 문구 실험을 할 수 없습니다"),
])
def test_a_bad_experiment_is_refused_with_the_field_named_and_nothing_is_created(world, client, templates, change,
                                                                                  field, message):
    before = Campaign.objects.count(), Arm.objects.count(), Notice.objects.count()
    r = as_(client, world).post(reverse("staff:campaign_new"), wizard(templates, **change))
    assert r.status_code == 400
    body = text(r)
    assert f'id="id_{field}_error"' in body and message in body, body
    assert (Campaign.objects.count(), Arm.objects.count(), Notice.objects.count()) == before
    # the live preview says the same, and writes nothing
    preview = client.get(reverse("staff:campaign_preview"),
                         {k: v for k, v in wizard(templates, **change).items() if v != ""}).json()
    assert preview["ok"] is False and field in preview["errors"], preview
    assert (Campaign.objects.count(), Arm.objects.count(), Notice.objects.count()) == before


def test_the_preview_counts_and_shows_the_document_with_the_arms_and_ignores_the_step_when_unchecked(
        world, client, templates):
    as_(client, world)
    before = Campaign.objects.count(), Arm.objects.count(), AuditLog.objects.count()
    query = {k: v for k, v in wizard(templates, stratify="amount").items() if v != ""}
    counted = client.get(reverse("staff:campaign_preview"), query).json()
    assert counted["ok"] and counted["notices"] > 0 and counted["alert"]
    assert (Campaign.objects.count(), Arm.objects.count(), AuditLog.objects.count()) == before
    document = client.get(reverse("staff:campaign_preview_document"), query)
    assert document.status_code == 200 and document["Content-Type"].startswith("text/html")
    # unchecked, the step's fields (even a bad share) are neither kept nor refused
    plain = {k: v for k, v in query.items() if k != "experiment"} | {"arm_b_share": "0"}
    assert client.get(reverse("staff:campaign_preview"), plain).json()["ok"]
    r = client.post(reverse("staff:campaign_new"), {**plain, "name": "실험 없음"})
    assert r.status_code == 302
    assert not Arm.objects.filter(campaign__name="실험 없음").exists()


def test_the_step_says_why_a_demand_has_no_experiment(world, client):
    r = as_(client, world).get(reverse("staff:campaign_new"), {"kind": "demand"})
    body = text(r)
    assert 'id="experiment-fields" hidden' in body
    assert "독촉장은 법이 정한 서류라 문구 실험을 할 수 없습니다" in body and "체납안내문" in body


def test_the_record_is_kept_the_power_shown_approval_waits_for_it_and_then_freezes_it(world, client, templates):
    c = built_experiment(client, world, templates)
    lead = world.users["team_lead"].get_username()
    # before the record: the team lead sees why approval is refused, and is refused
    page = text(as_(client, world, "team_lead").get(reverse("staff:campaign_detail", args=[c.pk])))
    assert "실험 설계(가설, 주요 결과 지표, 관찰 기간, 최소 효과 크기)가 기록되지 않았습니다" in page
    assert 'id="experiment-form"' not in page  # the team lead does not prepare campaigns
    refused = client.post(reverse("staff:campaign_approve", args=[c.pk]))
    assert refused.status_code == 400 and "기록되지 않았습니다" in text(refused)
    assert client.post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD).status_code == 403
    # the clerk records it: a bad value is shown with the form kept
    as_(client, world)
    bad = client.post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD | {"hypothesis": " "})
    assert bad.status_code == 400 and 'id="id_hypothesis_error"' in text(bad)
    amount_without_spread = client.post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD | {"outcome": "amount"})
    assert amount_without_spread.status_code == 400 and "징수액 표준편차 예상(원)을 입력하세요" in text(amount_without_spread)
    assert not Experiment.objects.filter(campaign=c).exists()
    r = client.post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD)
    assert r.status_code == 302
    exp = Experiment.objects.get(campaign=c)
    assert (exp.outcome, exp.window_days, exp.min_effect, exp.baseline, exp.confidence, exp.spread) == (
        "paid", 14, 5, 30, 0.95, None)
    power = experiments.power(exp, experiments.group_sizes(c))
    page = client.get(reverse("staff:campaign_detail", args=[c.pk]))
    body = text(page)
    assert f"검정력: {round(power * 100)}%" in body and "5%포인트" in body and "기간 내 납부율" in body
    assert power < 0.8 and "최소 효과를 찾아낼 가능성이 낮습니다. 대상을 늘리거나 비교군을 줄이세요." in body
    assert 'id="experiment-edit"' in body  # editable until approval
    # rewritten before approval: an amount outcome with a small spread, which the few notices detect
    r = client.post(reverse("staff:campaign_experiment", args=[c.pk]),
                    RECORD | {"outcome": "amount", "min_effect": "10000", "baseline": "20000", "spread": "100"})
    assert r.status_code == 302
    body = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert "검정력: 100%" in body and "가능성이 낮습니다" not in body and "10,000원" in body and "100원" in body
    # the maker cannot approve; another person (the team lead) can, and the record freezes
    assert client.post(reverse("staff:campaign_approve", args=[c.pk])).status_code == 403
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[c.pk]))
    assert r.status_code == 302
    c.refresh_from_db()
    exp.refresh_from_db()
    assert c.status == Campaign.Status.APPROVED and exp.frozen_by == lead and exp.power == pytest.approx(1.0)
    body = text(as_(client, world).get(reverse("staff:campaign_detail", args=[c.pk])))
    assert "승인 때 고정됨: 2026. 11. 23. 10:00, 승인자" in body and 'id="experiment-form"' not in body
    # the frozen record cannot be posted again
    again = client.post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD | {"min_effect": "1"})
    assert again.status_code == 400 and "승인 전에만 기록할 수 있습니다" in text(again)
    exp.refresh_from_db()
    assert exp.min_effect == 10000


def test_another_jurisdictions_campaign_is_404(world, client, clock, templates):
    other = notices.create_campaign(world.other, name="노원 실험", kind="arrears", as_of=date(2026, 11, 23),
                                    actor="maker", clock=clock)
    r = as_(client, world).post(reverse("staff:campaign_experiment", args=[other.pk]), RECORD)
    assert r.status_code == 404


def test_the_experiment_pages_carry_no_english_word_or_bracketed_particle(world, client, templates):
    """test_words crawls the world's campaign, which has no arms: here the 실험 section in each of its states."""
    c = built_experiment(client, world, templates, stratify=["amount", "age", "reach"], arm_b_channel_1="kakao",
                         arm_b_channel_2="paper", arm_b_send_at="2026-11-24T10:00")
    names = {u.get_username() for u in world.users.values()} | {"maker", "checker", "setup"}
    seen = []

    def read(role: str, url: str, **kw) -> None:
        r = as_(client, world, role).get(url, **kw)
        assert r.status_code == 200
        seen.extend(problems(visible_text(text(r)), names))

    detail = reverse("staff:campaign_detail", args=[c.pk])
    read("clerk", reverse("staff:campaign_new"))
    read("clerk", reverse("staff:campaign_new"), data={"kind": "demand"})
    read("clerk", detail)
    read("team_lead", detail)
    bad = as_(client, world).post(reverse("staff:campaign_new"), wizard(templates, name="둘째", arm_b_share="40"))
    seen.extend(problems(visible_text(text(bad)), names))
    as_(client, world).post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD)
    read("clerk", detail)
    read("clerk", reverse("staff:campaign_experiment", args=[c.pk]))
    as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[c.pk]))
    read("team_lead", detail)
    read("section_chief", detail)
    assert not seen, "\n".join(seen)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_step_shows_only_for_an_informational_kind_in_the_browser(page, browser_world):
    """The page's script hides the step for a 독촉장 (and clears its check box) and shows it again for a 안내문."""
    import re

    from _staff_helpers import HOME, browser_login

    browser_login(page, f"clerk-{HOME}")
    page.wait_for_url(re.compile(r"/staff/$"))
    page.goto("/staff/campaigns/new/")
    assert page.locator("#experiment-fields").is_visible() and not page.locator("#experiment-refusal").is_visible()
    page.click("label[for=id_experiment]")  # KRDS draws the box on the label
    assert page.locator("#id_experiment").is_checked()
    page.select_option("#id_kind", "demand")
    assert not page.locator("#experiment-fields").is_visible() and page.locator("#experiment-refusal").is_visible()
    assert "독촉장은 법이 정한 서류라" in page.locator("#experiment-refusal").inner_text()
    page.select_option("#id_kind", "arrears")
    assert page.locator("#experiment-fields").is_visible() and not page.locator("#id_experiment").is_checked()
    # each arm's template list offers the chosen kind's versions only
    kinds = page.eval_on_selector_all("#id_arm_b_template option[data-kind]:not([disabled])",
                                      "os => [...new Set(os.map(o => o.dataset.kind))]")
    assert kinds == ["arrears"]
    page.select_option("#id_kind", "refund")
    kinds = page.eval_on_selector_all("#id_arm_b_template option[data-kind]:not([disabled])",
                                      "os => [...new Set(os.map(o => o.dataset.kind))]")
    assert kinds == ["refund"]


def test_the_experiment_report_page_its_downloads_and_the_period_table(world, client, templates, clock, pay):
    """After the window: the console's 실험 보고서 (the frozen record, the verdicts, each group), the full report
    with its charts and the workbook as downloads, the period report's 지난 실험과 결과; scoped and permissioned like
    the effect reports."""
    from datetime import timedelta

    from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt

    c = built_experiment(client, world, templates)
    as_(client, world).post(reverse("staff:campaign_experiment", args=[c.pk]), RECORD)
    notices.approve_campaign(c, actor="checker", clock=clock)
    now = clock.now()
    for n in Notice.objects.filter(campaign=c):
        DeliveryAttempt.objects.create(notice=n, channel=Channel.KAKAO, sequence=1, key=f"{n.reference}-1",
                                       status=AttemptStatus.ACCEPTED, sent_at=now, created_at=now, updated_at=now)
    paid = Notice.objects.filter(campaign=c, arm__label="B").first()
    levy = paid.lines.first().levy
    pay(levy, levy.billed_amount, date(2026, 11, 25))
    clock.advance(timedelta(days=15))

    url = reverse("staff:effects_experiment", args=[c.pk])
    r = as_(client, world, "team_lead").get(url)
    body = text(r)
    assert r.status_code == 200
    assert "실험 보고서: 문구 실험" in body and RECORD["hypothesis"] in body and "승인 때 고정" in body
    from jingsu.reports.experiments import experiment_report

    report = experiment_report(c, now=clock.now())
    assert report["complete"] and report["verdicts"] and all(v in body for v in report["verdicts"])
    assert "비교 1건을 함께 보정했습니다" in body and "신뢰수준 95%" in visible_text(body)
    names = {u.get_username() for u in world.users.values()} | {"maker", "checker", "setup"}
    assert problems(visible_text(body), names) == []
    html = as_(client, world).get(url, {"download": "html"})
    assert html.status_code == 200 and "attachment" in html["Content-Disposition"] and b"<svg" in html.content
    xlsx = client.get(url, {"download": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(url, {"download": "pdf"})["Content-Type"].startswith("text/html")  # the page, no file
    # the campaign page and the effect report lead to it
    assert url in text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert url in text(client.get(reverse("staff:effects_campaign", args=[c.pk])))
    # the period report lists it among the past experiments
    period = text(client.get(reverse("staff:effects_period"), {"start": "2026-11-01", "end": "2026-11-30"}))
    assert "지난 실험과 결과" in period and RECORD["hypothesis"] in period
    assert "지난 실험" not in period.split("</title>")[0]  # the table is in the page, not in its title
    # a campaign without an experiment, another jurisdiction's, a role without reports: nothing shown
    plain = Campaign.objects.get(name="11월 체납안내")
    missing = client.get(reverse("staff:effects_experiment", args=[plain.pk]), {"download": "xlsx"})
    assert missing.status_code == 200 and "문구 실험(비교군과 실험 설계)이 없습니다" in text(missing)
    other = notices.create_campaign(world.other, name="노원 실험", kind="arrears", as_of=date(2026, 11, 23),
                                    actor="maker", clock=clock)
    assert client.get(reverse("staff:effects_experiment", args=[other.pk])).status_code == 404
    assert as_(client, world, "sysadmin").get(url).status_code == 403
