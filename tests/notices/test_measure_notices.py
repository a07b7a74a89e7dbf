"""The enforcement steps as campaigns (명단공개 사전 통지, 관허사업 제한 예고, 번호판 영치 예고, 신용정보 제공 예고): built
for a given list of taxpayers, the document states the measure, its date and legal basis, the channel follows the
law (electronic only with 전자송달 신청, else registered paper), maker-checker, and the delivery evidence after a
delivery and a read through the simulator over real HTTP."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from _clock import T0
from jingsu.core.formats import kdate
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.delivery import paper
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, PrintBatch
from jingsu.law.enforcement import explanation_period_end
from jingsu.notices import documents
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice
from jingsu.portal import views as portal_views
from jingsu.providers.base import MailClass
from jingsu.providers.registry import simulator_providers
from jingsu.rolls.importer import import_roll
from jingsu.simulator.process import SimulatorProcess
from jingsu.taxpayers.models import Taxpayer

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
AS_OF = date(2026, 11, 23)
MEASURE_ON = date(2027, 1, 15)
K = Campaign.Kind

#: kind → (what the document must say: the measure, the date's label, the legal basis)
EXPECTED = {
    K.DISCLOSURE: ("고액·상습체납자 명단공개", "공개 예정일", "「지방세징수법」 제11조, 같은 법 시행령 제19조"),
    K.LICENSE: ("관허사업의 제한", "제한 요구 예정일", "「지방세징수법」 제7조, 같은 법 시행령 제9조·제12조"),
    K.PLATE: ("자동차등록번호판 영치", "영치 예정일", "「지방세법」 제131조, 같은 법 시행령 제128조"),
    K.CREDIT: ("체납자료의 신용정보집중기관 제공", "제공 예정일", "「지방세징수법」 제9조, 같은 법 시행령 제16조"),
}


def _roll(clock):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    return {t.name: t for t in Taxpayer.objects.all()}


def _measure(jurisdiction, clock, kind, taxpayers, measure_on=MEASURE_ON, **kw):
    if kind == K.DISCLOSURE and measure_on == MEASURE_ON:
        measure_on = date(2027, 6, 16)  # after the 소명 기간
    return notices.create_campaign(jurisdiction, name="예고", kind=kind, as_of=AS_OF, actor="maker", clock=clock,
                                   taxpayers=taxpayers, measure_on=measure_on, **kw)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_kind_builds_for_the_given_taxpayers_and_states_measure_date_and_basis(jungnang, clock, kind):
    people = _roll(clock)
    kim, lee = people["김민준"], people["이서연"]
    campaign = _measure(jungnang, clock, kind, [kim, lee.pk])
    assert campaign.get_kind_display() == K(kind).label
    assert campaign.legal_nature == Campaign.LegalNature.FORMAL
    assert campaign.mail_class == MailClass.REGISTERED and campaign.channels == ["kakao", "kt", "paper"]
    assert campaign.targets == sorted([kim.pk, lee.pk]) and campaign.control_share == 0
    summary = notices.build_campaign(campaign, actor="maker", clock=clock)
    by_taxpayer = notices.notices_by_taxpayer(campaign)
    if kind == K.PLATE:  # a 번호판 영치 예고 carries the 자동차세 arrears only: 이서연 owes none
        assert set(by_taxpayer) == {kim.pk} and summary.skipped == [lee.pk]
        assert {ln.levy.tax_item for ln in by_taxpayer[kim.pk].lines.all()} == {"15"}
    else:
        assert set(by_taxpayer) == {kim.pk, lee.pk} and summary.skipped == []
        assert by_taxpayer[kim.pk].lines.count() == 2
    notice = by_taxpayer[kim.pk]
    assert notice.taxpayer == kim and notice.campaign.kind == kind  # traceable to its case: taxpayer and kind
    name, label, basis = EXPECTED[kind]
    measure_on = notice.campaign.measure_on
    html = documents.render_html(notice)
    assert name in html and label in html and basis in html
    assert f"<strong>{kdate(measure_on)}</strong>" in html
    assert "소명" in html and "납부장소와 방법" in html and "전자납부번호" in html
    assert "{" not in html.split("<body>")[1]  # every figure of the law filled in
    if kind in (K.LICENSE, K.CREDIT):
        assert "3회 이상 체납" in html  # 제7조②, 제9조①2호, from the law's parameters
    if kind in (K.DISCLOSURE, K.CREDIT):
        assert "체납 발생일부터 1년이 지" in html  # 제11조①, 제9조①1호
    assert "중랑구" in html  # the sender, as set for the jurisdiction
    sender = jungnang.sender
    assert f"{sender.name} · 전화 {sender.phone}" in html
    if kind == K.DISCLOSURE:
        until = explanation_period_end("11260", AS_OF)
        assert until == date(2027, 5, 23)  # 통지일 2026-11-23 + 6개월 (민법 제157조·제160조), by jingsu.law
        assert "소명 기간 끝나는 날" in html and kdate(until) in html
        assert f"통지일({kdate(AS_OF)}) 다음 날부터 {kdate(until)}까지" in html
        assert "체납액의 50% 이상을 납부하시면 명단을 공개하지 않습니다 (같은 법 시행령 제19조제1항제1호)" in html
    assert f"소명자료 제출과 문의: {sender.contact}" in html
    assert "지방세기본법 제28조에 따라 송달하는 서류" in html
    # the measure, its date and its basis are part of the hashed content
    content = json.loads(documents.notice_canonical_content(notice))
    assert content["measure"]["on"] == measure_on.isoformat() and content["measure"]["basis"] == basis
    assert documents.document_hash(notice) == notice.doc_hash
    assert notices.template_problems(campaign, today=AS_OF) == []


@pytest.mark.django_db
def test_other_kinds_are_unchanged_and_the_measure_needs_its_targets_and_date(jungnang, clock):
    people = _roll(clock)
    kim = people["김민준"]
    arrears = notices.create_campaign(jungnang, name="체납", kind=K.ARREARS, as_of=AS_OF, actor="maker", clock=clock)
    notices.build_campaign(arrears, actor="maker", clock=clock)
    n = Notice.objects.filter(campaign=arrears).first()
    assert "measure" not in json.loads(documents.notice_canonical_content(n))
    assert arrears.mail_class == MailClass.ORDINARY
    bad = [
        ({"kind": K.LICENSE, "taxpayers": []}, "대상 납세자를 지정"),
        ({"kind": K.LICENSE, "taxpayers": [kim], "measure_on": None}, "조치 예정일을 입력"),
        ({"kind": K.CREDIT, "taxpayers": [kim], "measure_on": AS_OF}, "통지 기준일"),
        ({"kind": K.DISCLOSURE, "taxpayers": [kim], "measure_on": date(2027, 5, 23)}, "지방세징수법 제11조③"),
        ({"kind": K.PLATE, "taxpayers": [kim], "mail_class": MailClass.ORDINARY}, "등기우편"),
        ({"kind": K.PLATE, "taxpayers": [kim], "filters": {"min_amount": 1}}, "대상 납세자를 지정하여"),
        ({"kind": K.PLATE, "taxpayers": [kim], "control_share": 10}, "대조군"),
        ({"kind": K.PLATE, "taxpayers": [999_999]}, "납세자가 아닙니다"),
        ({"kind": K.ARREARS, "taxpayers": [kim]}, "체납처분 예고·통지 캠페인에만"),
    ]
    for kw, message in bad:
        kw = {"measure_on": MEASURE_ON, **kw}
        with pytest.raises(notices.CampaignError, match=message):
            notices.create_campaign(jungnang, name="x", as_of=AS_OF, actor="maker", clock=clock, **kw)
    # 명단공개 without a date: the practice publication day after the 소명 기간 (jingsu.law)
    disclosure = notices.create_campaign(jungnang, name="명단", kind=K.DISCLOSURE, as_of=AS_OF, actor="maker",
                                         clock=clock, taxpayers=[kim])
    assert disclosure.measure_on > explanation_period_end("11260", AS_OF)
    # a target who owes nothing any more gets no notice; when none does, the build is refused
    plate = _measure(jungnang, clock, K.PLATE, [people["이서연"]])
    with pytest.raises(notices.CampaignError, match="체납액이 남아 있지 않습니다"):
        notices.build_campaign(plate, actor="maker", clock=clock)


@pytest.mark.django_db
def test_approval_is_maker_checker_and_audited(jungnang, clock):
    people = _roll(clock)
    campaign = _measure(jungnang, clock, K.CREDIT, [people["김민준"]])
    notices.build_campaign(campaign, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="만든 사람은 승인할 수 없습니다"):
        notices.approve_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    assert campaign.status == Campaign.Status.APPROVED and campaign.approved_by == "checker"
    actions = list(AuditLog.objects.filter(target_id=str(campaign.pk)).order_by("pk").values_list("action", "actor"))
    assert actions == [("campaign.create", "maker"), ("campaign.build", "maker"), ("campaign.approve", "checker")]
    create = AuditLog.objects.get(action="campaign.create", target_id=str(campaign.pk))
    assert create.detail["measure_on"] == MEASURE_ON.isoformat() and create.detail["mail_class"] == "registered"
    # a measure date that has passed blocks the approval
    late = _measure(jungnang, clock, K.LICENSE, [people["김민준"]], measure_on=date(2026, 11, 24))
    notices.build_campaign(late, actor="maker", clock=clock)
    assert "조치 예정일" in " ".join(notices.template_problems(late, today=date(2026, 11, 24)))


@pytest.fixture
def sim():
    with SimulatorProcess(start=T0, seed=21) as process:
        yield process


@pytest.mark.django_db
def test_channel_by_law_and_evidence_of_delivery_and_reading(jungnang, clock, sim, client, monkeypatch, tmp_path):
    """전자송달 applicants get the document through an intermediary (Kakao, then KT); the others get it by registered
    mail (지방세기본법 제28조·제30조). The evidence lists the delivery and the read with the intermediary's id."""
    sim.control.set_clock(clock.now())
    providers = simulator_providers(sim.url)
    people = _roll(clock)
    kim, lee, nguyen = people["김민준"], people["이서연"], people["NGUYEN VAN AN"]
    kim.e_service = True  # 김민준 applied for 전자송달 (이서연 too, in the roll); NGUYEN did not
    kim.save(update_fields=["e_service"])
    campaign = _measure(jungnang, clock, K.DISCLOSURE, [kim, lee, nguyen])
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    by_taxpayer = notices.notices_by_taxpayer(campaign)
    ci = delivery._ci_of([by_taxpayer[kim.pk]]).get(kim.pk, "")
    assert ci, "the identity agency gave 김민준 a CI"
    assert delivery.channel_plan(campaign, kim, ci) == ["kakao", "kt", "paper"]  # no plain SMS: it proves nothing
    kim.e_service = False
    plan = delivery.plan_channels(campaign, kim, ci)
    assert plan.channels == ["paper"] and plan.paper_reason == "formal"
    # the first attempts as started: 김민준 by Kakao
    first = {a.notice.taxpayer_id: a for a in DeliveryAttempt.objects.filter(sequence=1).select_related("notice")}
    assert first[kim.pk].channel == Channel.KAKAO and first[nguyen.pk].channel == Channel.PAPER
    clock.advance(timedelta(minutes=5))
    sim.control.set_clock(clock.now())
    delivery.send_queued(providers, clock=clock)
    sent_at = clock.now()
    attempt = DeliveryAttempt.objects.get(pk=first[kim.pk].pk)
    assert attempt.status == AttemptStatus.ACCEPTED and attempt.external_id
    # the reader opens it at the intermediary and on the portal (the read is reported to the intermediary)
    clock.advance(timedelta(hours=2))
    sim.control.set_clock(clock.now())
    monkeypatch.setattr(portal_views, "providers", lambda: providers)
    cache.clear()
    opened = sim.control.open_kakao_document(attempt.external_id)
    parts = urlsplit(opened["url"])
    assert client.get(parts.path + "?" + parts.query).status_code == 302
    notice = Notice.objects.get(pk=attempt.notice_id)
    assert notice.read_at is not None
    facts = notices.evidence(notice)
    assert [f.when for f in facts] == sorted(f.when for f in facts)
    assert facts[0].what.startswith("문서 확정") and notice.doc_hash in facts[0].what
    kakao = [f for f in facts if f.channel == "카카오톡 전자문서"]
    assert {f.intermediary_id for f in kakao} == {attempt.external_id}
    whats = [f.what for f in kakao]
    assert "카카오톡 전자문서 접수" in whats and "카카오톡 전자문서 열람" in whats
    assert [(f.what, f.when) for f in kakao][:2] == [("카카오톡 전자문서 발송 중", sent_at),
                                                      ("카카오톡 전자문서 접수", sent_at)]
    assert ("문서 발송 중", T0) in [(f.what, f.when) for f in facts if not f.channel]
    when, what, channel, intermediary = facts[-1]  # a plain tuple too
    assert (when, channel) == (notice.read_at, "") and what == "문서 열람" and notice.read_at == clock.now()
    assert ("카카오톡 전자문서 열람", notice.read_at) in [(f.what, f.when) for f in kakao]
    # whoever goes on paper goes by registered mail
    paper.print_batches(providers, clock=clock, out_dir=tmp_path)
    assert set(PrintBatch.objects.values_list("mail_class", flat=True)) == {"registered"}
    done = DeliveryAttempt.objects.select_related("notice").get(pk=first[nguyen.pk].pk)
    assert done.status == AttemptStatus.ACCEPTED and done.notice.status == Notice.Status.PAPER
    paper_facts = notices.evidence(done.notice)
    assert any(f.what == "종이 우편 접수" and f.intermediary_id == done.external_id for f in paper_facts)
    assert "문서 종이 발송" in [f.what for f in paper_facts]
