"""The wording library (issue #17): four arrears variants shipped with their sources (reminder, social norm,
deterrence, name), never a campaign's default; their data-filled claims come from the records — the on-time share
from recorded payments, frozen at the build and refused at approval when it does not support "대부분"; the next
enforcement measure and its date from the enforcement rules, in the deterrence document only — and the name in the
document, never in the alert. Real database, payments through the real reconciliation, nothing mocked."""

from __future__ import annotations

import json
from datetime import date
from itertools import count

import pytest

from _step_notices import sent_demand
from jingsu.core import crypto
from jingsu.levies.models import Levy
from jingsu.notices import documents, experiments
from jingsu.notices import services as notices
from jingsu.notices.experiments import ArmSpec, ExperimentError
from jingsu.notices.models import Notice, NoticeTemplate
from jingsu.taxpayers.models import Taxpayer

AS_OF = date(2026, 11, 23)  # the test clock's day (tests/_clock.py)
DUE = date(2026, 6, 30)  # a 납부기한 inside the 12 months before AS_OF
S = NoticeTemplate.Style
_serial = count(1)


def taxpayer(clock, name: str = "홍길동") -> Taxpayer:
    n = next(_serial)
    reg = f"8501011{n:06d}"
    return Taxpayer.objects.create(
        jurisdiction_id="11260", kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시 중랑구 봉화산로 179", created_at=clock.now(), updated_at=clock.now())


def levy(clock, tp: Taxpayer, *, due: date = DUE, principal: int = 100_000) -> Levy:
    n = next(_serial)
    return Levy.objects.create(
        jurisdiction_id="11260", taxpayer=tp, tax_number=f"11260-14-{due.year}-{n:07d}", tax_item="14",
        tax_year=due.year, period="정기", principal=principal, billed_amount=principal,
        liability_date=date(due.year, 1, 1), original_due_date=due, due_date=due, created_at=clock.now(),
        updated_at=clock.now())


def variant(style: str) -> NoticeTemplate:
    return NoticeTemplate.objects.get(kind="arrears", style=style)


def record(clock, pay, *, on_time: int, late: int, unpaid: int) -> list[Taxpayer]:
    """Levies due on DUE for a few taxpayers: `on_time` paid in full by DUE (one of them on the day itself, one in two
    parts), `late` paid in full after it, `unpaid` never paid — plus levies outside the window that must not count."""
    people = [taxpayer(clock, f"납세자{i}") for i in range(5)]
    levies = [levy(clock, people[i % 5]) for i in range(on_time + late + unpaid)]
    for i, lv in enumerate(levies[:on_time]):
        if i == 0:
            pay(lv, lv.billed_amount, DUE)  # on the 납부기한 itself: on time
        elif i == 1:
            pay(lv, 40_000, date(2026, 6, 1))
            pay(lv, 60_000, date(2026, 6, 29))
        else:
            pay(lv, lv.billed_amount, date(2026, 6, 20))
    for lv in levies[on_time:on_time + late]:
        pay(lv, lv.billed_amount, date(2026, 7, 10))
    # half by the 납부기한, the rest later: not paid in full by it
    part = levy(clock, people[0])
    pay(part, 50_000, date(2026, 6, 10))
    pay(part, 50_000, date(2026, 7, 10))
    # outside the window (due more than 12 months before AS_OF, or on AS_OF itself): not counted
    pay(levy(clock, people[1], due=date(2025, 6, 30)), 100_000, date(2025, 6, 1))
    levy(clock, people[1], due=AS_OF)
    return people


# --- the library ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_four_variants_ship_with_their_sources_and_every_required_item(clock, jungnang):
    standard = NoticeTemplate.objects.get(kind="arrears", style=S.STANDARD, active=True)
    sources = {S.REMINDER: "Antinyan", S.SOCIAL_NORM: "Hallsworth", S.DETERRENCE: "Antinyan",
               S.PERSONAL: "Haynes"}
    for style, author in sources.items():
        t = variant(style)
        assert t.active and t.version > standard.version and author in t.source, style
        assert documents.missing_required_items(t) == [], style
        # only the free wording differs from the standard version: the document body and its items are the same
        assert (t.document_body, t.required_items, t.document_title) == (
            standard.document_body, standard.required_items, standard.document_title), style
        assert t.alert_errors() == [], style
    assert "{on_time_share}" in variant(S.SOCIAL_NORM).alert_text and "대부분" in variant(S.SOCIAL_NORM).alert_text
    assert "압류" in variant(S.DETERRENCE).alert_text and "{next_measure}" in variant(S.DETERRENCE).intro_text
    assert "{taxpayer_name}" in variant(S.PERSONAL).intro_text
    # shipping variants changes nothing a campaign gets by default
    c = notices.create_campaign(jungnang, name="기본", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    assert c.template == standard
    # the next measure is a deterrence template's only; the name may be any template's document, never an alert's
    with pytest.raises(notices.CampaignError, match="next_measure"):
        notices.add_template_version("arrears", actor="designer", clock=clock, intro_text="{next_measure}")
    with pytest.raises(notices.CampaignError, match="taxpayer_name"):
        notices.add_template_version("arrears", actor="designer", clock=clock, based_on=variant(S.PERSONAL),
                                     alert_text="{taxpayer_name} 님")


# --- social norm: the on-time share ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_on_time_share_is_computed_from_recorded_payments_and_frozen_at_the_build(clock, jungnang, pay):
    people = record(clock, pay, on_time=87, late=5, unpaid=7)  # 100 levies in the window with the part-paid one
    norm = variant(S.SOCIAL_NORM)
    c = notices.create_campaign(jungnang, name="사회 규범", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                template=norm)
    figure = documents.on_time_figure("11260", AS_OF)
    assert figure == {"share": "87%", "percent": 87, "paid": 87, "levies": 100, "from": "2025-11-23",
                      "to": "2026-11-22"}
    assert "대부분(87%)이 기한 내에 납부되었습니다" in documents.render_alert(c).text  # a preview, before the build
    notices.build_campaign(c, actor="maker", clock=clock)
    c.refresh_from_db()
    assert c.figures == {"on_time_share": figure}
    # the records change after the build (more levies fell due unpaid): the alert still says what was frozen
    for _ in range(60):
        levy(clock, people[2], due=date(2026, 10, 31))
    assert documents.on_time_figure("11260", AS_OF)["share"] == "54%"
    alert = documents.render_alert(c)
    assert "87%" in alert.text and "87%" in alert.sms_text and "대부분" in alert.text
    # nothing about any taxpayer: the figure is the jurisdiction's
    assert not any(p.name in alert.text for p in people)
    assert notices.template_problems(c, today=AS_OF) == []
    notices.approve_campaign(c, actor="checker", clock=clock)
    # the standard template states no figure: nothing is computed or frozen for it
    plain = notices.create_campaign(jungnang, name="기본", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    notices.build_campaign(plain, actor="maker", clock=clock)
    plain.refresh_from_db()
    assert plain.figures == {}


@pytest.mark.django_db
def test_approval_and_the_arms_refuse_most_when_the_share_is_half_or_less(clock, jungnang, pay):
    record(clock, pay, on_time=43, late=30, unpaid=26)  # 43 of 100
    norm = variant(S.SOCIAL_NORM)
    c = notices.create_campaign(jungnang, name="사회 규범", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                template=norm)
    notices.build_campaign(c, actor="maker", clock=clock)
    c.refresh_from_db()
    assert c.figures["on_time_share"]["share"] == "43%"
    with pytest.raises(notices.CampaignError, match="기한 내 납부 비율이 43%라.*'대부분'이라고 쓸 수 없습니다"):
        notices.approve_campaign(c, actor="checker", clock=clock)
    # an experiment's arm is refused when it is chosen (the draft's figure is computed now)
    draft = notices.create_campaign(jungnang, name="실험", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    standard = NoticeTemplate.objects.get(kind="arrears", style=S.STANDARD, active=True)
    with pytest.raises(ExperimentError, match="비교군 B: .*기한 내 납부 비율이 43%라"):
        experiments.set_arms(draft, [ArmSpec("기본", standard, 50), ArmSpec("사회 규범", norm, 50)], actor="maker",
                             clock=clock)
    # the other variants state no figure: they are accepted
    experiments.set_arms(draft, [ArmSpec("기본", standard, 50), ArmSpec("알림", variant(S.REMINDER), 50)],
                         actor="maker", clock=clock)


@pytest.mark.django_db
def test_approval_refuses_most_on_too_few_levies_with_the_count_named(clock, jungnang, pay):
    record(clock, pay, on_time=18, late=0, unpaid=1)  # 18 of 20 (with the part-paid one): 90%, but only 20
    c = notices.create_campaign(jungnang, name="사회 규범", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                template=variant(S.SOCIAL_NORM))
    notices.build_campaign(c, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="고지가 20건뿐이라.*100건 미만.*'대부분'이라고 쓸 수 없습니다"):
        notices.approve_campaign(c, actor="checker", clock=clock)


# --- deterrence: this taxpayer's next measure and its date ---------------------------------------------------------


@pytest.mark.django_db
def test_the_deterrence_document_states_the_next_measure_and_date_from_the_enforcement_rules(clock, jungnang):
    demanded = taxpayer(clock, "김압류")  # a 독촉장 whose 납부기한 passed: 압류 may be taken (지방세징수법 제33조①1호)
    sent_demand([levy(clock, demanded)], pay_by=date(2026, 8, 20), sent_on=date(2026, 8, 1), clock=clock)
    soon = taxpayer(clock, "이독촉")  # a 독촉장 whose 납부기한 is after the notice's: 압류 from the day after it
    sent_demand([levy(clock, soon)], pay_by=date(2026, 12, 10), sent_on=date(2026, 11, 20), clock=clock)
    plain = taxpayer(clock, "박안내")  # no 독촉장 yet: no rule gives a measure and a date
    levy(clock, plain)
    deterrence = variant(S.DETERRENCE)
    c = notices.create_campaign(jungnang, name="예고", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                template=deterrence)
    assert c.pay_by == date(2026, 12, 7)
    notices.build_campaign(c, actor="maker", clock=clock)
    by_name = {n.taxpayer.name: n for n in Notice.objects.filter(campaign=c).select_related("taxpayer")}

    assert by_name["김압류"].deterrence == {"measure": "재산 압류", "on": "2026-12-08", "basis": "지방세징수법 제33조①1호"}
    html = documents.render_html(by_name["김압류"])
    assert "납부기한까지 내지 않으시면 2026. 12. 8. 이후 재산 압류(지방세징수법 제33조①1호)를 할 수 있습니다." in html
    assert by_name["이독촉"].deterrence["on"] == "2026-12-11"
    assert "2026. 12. 11. 이후 재산 압류" in documents.render_html(by_name["이독촉"])
    assert by_name["박안내"].deterrence is None
    assert documents.GENERAL_DETERRENCE in documents.render_html(by_name["박안내"])
    for n in by_name.values():
        content = json.loads(documents.notice_canonical_content(n))
        assert content.get("deterrence") == n.deterrence  # part of the hashed content, reproducible from the notice
        assert documents.document_hash(n) == n.doc_hash
    # the alert names the measures in general words only, the same for everyone
    alert = documents.render_alert(c)
    assert "압류" in alert.text and "2026. 12." not in alert.text and "김압류" not in alert.text

    # a campaign with a standard arm and a deterrence arm: only the deterrence arm's documents carry a measure, and
    # every other document's content is as it was (no "deterrence" key, the same hash)
    c2 = notices.create_campaign(jungnang, name="실험", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                 control_seed=7)
    standard = NoticeTemplate.objects.get(kind="arrears", style=S.STANDARD, active=True)
    experiments.set_arms(c2, [ArmSpec("기본", standard, 50), ArmSpec("예고", deterrence, 50)], actor="maker",
                         clock=clock)
    notices.build_campaign(c2, actor="maker", clock=clock)
    arms = set()
    for n in Notice.objects.filter(campaign=c2).select_related("arm__template", "taxpayer"):
        content = json.loads(documents.notice_canonical_content(n))
        arms.add(n.arm.template.style)
        if n.arm.template.style == S.STANDARD:
            assert n.deterrence is None and "deterrence" not in content
            assert documents.GENERAL_DETERRENCE not in documents.render_html(n)
        else:
            assert content.get("deterrence") == by_name[n.taxpayer.name].deterrence
        assert documents.document_hash(n) == n.doc_hash
    assert arms == {S.STANDARD, S.DETERRENCE}


@pytest.mark.django_db
def test_a_standard_document_is_hashed_as_before(clock, jungnang):
    levy(clock, taxpayer(clock, "최기본"))
    c = notices.create_campaign(jungnang, name="기본", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    notices.build_campaign(c, actor="maker", clock=clock)
    n = Notice.objects.get(campaign=c)
    content = documents.notice_canonical_content(n)
    assert set(json.loads(content)) == {"format", "issuer", "kind", "legal_nature", "template", "as_of", "pay_by",
                                        "reference", "taxpayer", "lines", "totals"}
    assert json.loads(content)["template"] == {"kind": "arrears", "version": c.template.version}
    assert documents.canonical_content(c, n.taxpayer, json.loads(content)["lines"], reference=n.reference) == content
    assert n.deterrence is None and documents.document_hash(n) == n.doc_hash


# --- personalisation by name ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_personal_document_greets_by_name_and_its_alert_does_not(clock, jungnang):
    levy(clock, taxpayer(clock, "정이름"))
    c = notices.create_campaign(jungnang, name="이름", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                template=variant(S.PERSONAL))
    notices.build_campaign(c, actor="maker", clock=clock)
    n = Notice.objects.get(campaign=c)
    ctx = documents.document_context(n)
    assert ctx["intro"].startswith("정이름 님, 안녕하십니까. 정이름 님께서 납부기한까지")
    assert "정이름 님, 안녕하십니까." in documents.render_html(n)
    alert = documents.render_alert(c, link="https://portal.example/n/x")
    assert all("정이름" not in part for part in (alert.title, alert.text, alert.sms_text))
    assert notices.template_problems(c, today=AS_OF) == []


def test_a_template_that_says_most_without_the_figure_is_refused(jungnang, clock):
    """"대부분" typed as free text, without the on-time share beside it, is a claim no record backs."""
    plain = notices.add_template_version("arrears", actor="maker", clock=clock, name="근거 없는 규범",
                                         alert_text="중랑구민 대부분은 기한 안에 냅니다. {office_name}의 {document_kind}입니다.")
    campaign = notices.create_campaign(jungnang, name="규범", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    problems = documents.wording_problems(campaign, plain)
    assert problems and "'대부분'이라고 쓰려면 기한 내 납부 비율({on_time_share})을 함께 적어야 합니다" in problems[0]
    assert documents.wording_problems(campaign, variant(S.REMINDER)) == []
