"""The campaign screens (issue #8 item 3): list, new campaign with its live preview, the campaign page (approve with
maker-checker, send), and the progress JSON, through the Django test client on a real database."""

from __future__ import annotations

from datetime import date

import pytest
from _staff_helpers import as_, no_inline, text
from django.urls import reverse

from _clock import T0
from jingsu.core.models import AuditLog
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]

FILTERS = {"min_age": "0", "max_age": "10", "min_amount": "1000"}
# what the browser posts for the wizard's steps 3–5 when the official keeps the defaults
POLICY = {"channel_1": "kakao", "channel_2": "kt", "channel_3": "sms", "channel_4": "paper", "fallback_hours": "24",
          "read_deadline_days": "7", "send_window_start": "09:00", "send_window_end": "20:00",
          "mail_class": "ordinary", "template": "", "pay_by": ""}


def create_through_form(client, world, **extra) -> Campaign:
    data = {"kind": "arrears", "name": "12월 체납안내", "as_of": "2026-11-23", "control_share": "10", **FILTERS,
            **POLICY, **extra}
    r = as_(client, world).post(reverse("staff:campaign_new"), data)
    assert r.status_code == 302, text(r)
    c = Campaign.objects.get(jurisdiction=world.home, name=data["name"])
    assert r["Location"] == reverse("staff:campaign_detail", args=[c.pk])
    return c


def test_the_clerk_creates_and_builds_a_campaign_and_the_preview_counted_the_same(world, client):
    as_(client, world)  # logging in writes an audit row; the preview must write none
    before = Campaign.objects.count(), Notice.objects.count(), AuditLog.objects.count()
    preview = client.get(reverse("staff:campaign_preview"),
                                     {"kind": "arrears", "as_of": "2026-11-23", "control_share": "10", **FILTERS})
    assert preview.status_code == 200
    counted = preview.json()
    assert counted["ok"] and counted["notices"] > 0
    assert (Campaign.objects.count(), Notice.objects.count(), AuditLog.objects.count()) == before  # nothing written
    form = client.get(reverse("staff:campaign_new"))
    assert form.status_code == 200 and "campaign-progress.js" in text(form)
    no_inline(form)

    c = create_through_form(client, world)
    assert c.status == Campaign.Status.BUILT and c.created_by == world.users["clerk"].get_username()
    assert c.filters == {"min_age": 0, "max_age": 10, "min_amount": 1000}
    built = Notice.objects.filter(campaign=c)
    assert built.count() == counted["notices"]
    assert sum(built.values_list("total_amount", flat=True)) == counted["total_amount"]
    assert AuditLog.objects.filter(action="campaign.build", target_id=str(c.pk)).exists()

    page = client.get(reverse("staff:campaign_detail", args=[c.pk]))
    assert page.status_code == 200
    body = text(page)
    assert f"{counted['notices']:,}건" in body and "대상 확정" in body
    assert 'id="campaign-alert"' in body and 'id="campaign-document"' in body
    assert "체납액 1,000원 이상 · 체납 연차 0년 이상 10년 이하" in body
    assert "approve-button" not in body  # the clerk has no approve_campaign
    no_inline(page)
    listing = client.get(reverse("staff:campaign_list"))
    assert "12월 체납안내" in text(listing)


def test_the_preview_filters_by_tax_item_and_reports_bad_conditions(world, client):
    all_ = as_(client, world).get(reverse("staff:campaign_preview")).json()
    none = client.get(reverse("staff:campaign_preview") + "?min_amount=999999999999").json()
    assert all_["notices"] > 0 and none["notices"] == 0 and none["total_amount"] == 0
    bad = client.get(reverse("staff:campaign_preview") + "?min_amount=10&max_amount=5").json()
    assert bad["ok"] is False and "max_amount" in bad["errors"]


def test_an_empty_selection_is_a_form_error_and_nothing_is_created(world, client):
    r = as_(client, world).post(reverse("staff:campaign_new"), {
        "kind": "arrears", "name": "빈 캠페인", "as_of": "2026-11-23", "control_share": "0",
        "min_amount": "999999999999", **POLICY})
    assert r.status_code == 400
    assert "조건에 맞는 체납자가 없습니다" in text(r)
    assert not Campaign.objects.filter(name="빈 캠페인").exists()


def test_the_team_lead_approves_and_the_maker_cannot(world, client, clock):
    c = create_through_form(client, world)
    # the clerk lacks approve_campaign
    assert as_(client, world).post(reverse("staff:campaign_approve", args=[c.pk])).status_code == 403
    # someone with approve_campaign who built it himself gets the maker-checker refusal
    lead = world.users["team_lead"]
    own = notices.create_campaign(world.home, name="팀장이 만든 캠페인", kind="arrears", as_of=date(2026, 11, 23),
                                  actor=lead.get_username(), clock=clock)
    notices.build_campaign(own, actor=lead.get_username(), clock=clock)
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[own.pk]))
    assert r.status_code == 400
    assert "캠페인을 만든 사람은 승인할 수 없습니다" in text(r)
    own.refresh_from_db()
    assert own.status == Campaign.Status.BUILT
    # the team lead approves the clerk's campaign
    page = client.get(reverse("staff:campaign_detail", args=[c.pk]))
    assert "approve-button" in text(page)
    r = client.post(reverse("staff:campaign_approve", args=[c.pk]))
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == Campaign.Status.APPROVED and c.approved_by == lead.get_username()
    assert "send-button" in text(client.get(reverse("staff:campaign_detail", args=[c.pk])))


def test_sending_without_a_provider_address_shows_a_korean_message(world, client, settings, clock):
    settings.JINGSU_PROVIDER_URL = ""
    c = create_through_form(client, world)
    notices.approve_campaign(c, actor="checker", clock=clock)
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_send", args=[c.pk]))
    assert r.status_code == 503
    assert "JINGSU_PROVIDER_URL" in text(r) and "발송할 수 없습니다" in text(r)
    c.refresh_from_db()
    assert c.status == Campaign.Status.APPROVED


def test_sending_with_a_provider_error_shows_a_korean_message(world, client, monkeypatch, clock):
    from jingsu.providers import registry
    from jingsu.providers.base import ProviderError

    def down():
        raise ProviderError("connection refused")

    monkeypatch.setattr(registry, "configured_providers", down)
    c = create_through_form(client, world)
    notices.approve_campaign(c, actor="checker", clock=clock)
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_send", args=[c.pk]))
    assert r.status_code == 502 and "발송 기관과 통신하지 못했습니다" in text(r)


def test_another_jurisdictions_campaign_is_404_and_roles_without_permission_403(world, client, clock):
    other = notices.create_campaign(world.other, name="노원 캠페인", kind="arrears", as_of=date(2026, 11, 23),
                                    actor="maker", clock=clock)
    notices.build_campaign(other, actor="maker", clock=clock)
    for name in ("staff:campaign_detail", "staff:campaign_status"):
        assert as_(client, world).get(reverse(name, args=[other.pk])).status_code == 404
    assert as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == Campaign.Status.BUILT
    assert "노원 캠페인" not in text(as_(client, world).get(reverse("staff:campaign_list")))
    # 공적심사위원 has none of the campaign permissions; 과장 reads but neither prepares nor approves
    assert as_(client, world, "committee_member").get(reverse("staff:campaign_list")).status_code == 403
    assert as_(client, world, "section_chief").get(reverse("staff:campaign_new")).status_code == 403
    assert client.get(reverse("staff:campaign_preview")).status_code == 403


def test_the_status_json_returns_counts_by_status_and_channel(world, client):
    c = Campaign.objects.get(jurisdiction=world.home, name="11월 체납안내")  # from build_world: one KT attempt, read
    r = as_(client, world, "team_lead").get(reverse("staff:campaign_status", args=[c.pk]))
    assert r.status_code == 200
    s = r.json()
    assert s["campaign"] == c.pk and s["status"] == "approved"
    total = Notice.objects.filter(campaign=c).count()
    assert sum(row["count"] for row in s["notices"]) == total
    assert {"channel": "kt", "channel_label": "KT 공인알림문자", "status": "read", "label": "열람", "count": 1} \
        in s["attempts"]
    page = client.get(reverse("staff:campaign_detail", args=[c.pk]))
    assert 'data-status-url="' + reverse("staff:campaign_status", args=[c.pk]) in text(page)
    assert "KT 공인알림문자" in text(page)


def test_the_wizard_keeps_the_chosen_channels_fallback_window_and_template(world, client):
    from jingsu.notices.models import NoticeTemplate

    template = NoticeTemplate.objects.filter(kind="arrears", active=True).order_by("-version").first()
    c = create_through_form(client, world, channel_1="sms", channel_2="paper", channel_3="", channel_4="",
                            fallback_hours="48", read_deadline_days="10", send_window_start="10:00",
                            send_window_end="18:00", mail_class="registered", template=str(template.pk),
                            pay_by="2026-12-04")
    assert c.channels == ["sms", "paper"]
    assert (c.fallback_hours, c.read_deadline_days, c.mail_class) == (48, 10, "registered")
    assert (c.send_window_start.isoformat(), c.send_window_end.isoformat()) == ("10:00:00", "18:00:00")
    assert c.template == template and c.pay_by == date(2026, 12, 4)
    body = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert "문자 메시지 → 종이 우편" in body and "10:00–18:00" in body and "등기우편" in body
    assert "48시간 뒤 다음 채널" in body


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"channel_2": "kakao", "channel_1": "kakao"}, "channel_2", "두 번 골랐습니다"),
    ({"channel_2": "paper", "channel_4": "kt"}, "channel_2", "종이 우편은 마지막 순위여야"),
    ({"send_window_start": "20:00", "send_window_end": "09:00"}, "send_window_end", "시작 시각보다 늦어야"),
    ({"fallback_hours": "0"}, "fallback_hours", ""),
    ({"read_deadline_days": "31"}, "read_deadline_days", ""),
    ({"kind": "refund"}, "template", "종류와 같은 서식을 고르세요"),
])
def test_a_bad_policy_is_refused_with_the_field_named_and_nothing_is_created(world, client, change, field, message):
    from jingsu.notices.models import NoticeTemplate

    arrears = NoticeTemplate.objects.filter(kind="arrears", active=True).first()
    data = {"kind": "arrears", "name": "잘못된 정책", "as_of": "2026-11-23", "control_share": "0", **POLICY,
            "template": str(arrears.pk), **change}
    r = as_(client, world).post(reverse("staff:campaign_new"), data)
    assert r.status_code == 400
    assert f'id="id_{field}_error"' in text(r) and message in text(r)
    assert not Campaign.objects.filter(name="잘못된 정책").exists()
    # the live preview says the same without building
    preview = client.get(reverse("staff:campaign_preview"), {k: v for k, v in data.items() if v != ""}).json()
    assert preview["ok"] is False and field in preview["errors"]


def test_the_sample_document_is_shown_as_the_citizen_receives_it_and_its_viewing_is_audited(world, client):
    c = create_through_form(client, world, control_share="0")  # the control draw is random; 3 taxpayers here
    page = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    sample_url = reverse("staff:campaign_sample", args=[c.pk])
    assert f'src="{sample_url}"' in page and "sandbox" in page
    r = client.get(sample_url)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    sample = Notice.objects.filter(campaign=c, control_group=False).order_by("id").first()
    body = text(r)
    assert sample.reference in body and f"{sample.total_amount:,}원" in body
    csp = r["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'none'" in csp and "script-src 'none'" in csp
    assert r["X-Frame-Options"] == "SAMEORIGIN" and "no-store" in r["Cache-Control"]
    # the console's own pages still refuse to be framed
    assert client.get(reverse("staff:campaign_detail", args=[c.pk]))["X-Frame-Options"] == "DENY"
    assert AuditLog.objects.filter(action="campaign.sample_view", target_id=str(sample.pk),
                                   actor=world.users["clerk"].get_username()).exists()
    pdf = client.get(reverse("staff:campaign_sample_pdf", args=[c.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(action="campaign.sample_pdf", target_id=str(sample.pk)).exists()


def test_the_team_lead_schedules_and_unschedules_the_sending(world, client):
    c = create_through_form(client, world)
    lead = as_(client, world, "team_lead")
    lead.post(reverse("staff:campaign_approve", args=[c.pk]))
    page = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert 'id="schedule-form"' in page and 'id="send-button"' in page
    past = client.post(reverse("staff:campaign_schedule", args=[c.pk]), {"at": "2026-11-23T09:00"})
    assert past.status_code == 400 and "지금보다 뒤여야" in text(past)
    bad = client.post(reverse("staff:campaign_schedule", args=[c.pk]), {"at": "내일"})
    assert bad.status_code == 400 and 'id="id_at_error"' in text(bad)
    ok = client.post(reverse("staff:campaign_schedule", args=[c.pk]), {"at": "2026-11-23T15:30"})
    assert ok.status_code == 302
    c.refresh_from_db()
    from jingsu.clock import SEOUL

    assert c.scheduled_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") == "2026-11-23 15:30"
    assert c.scheduled_by == world.users["team_lead"].get_username()
    page = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert "2026. 11. 23. 15:30" in page and 'id="unschedule-button"' in page
    assert client.get(reverse("staff:campaign_status", args=[c.pk])).json()["scheduled_at"].startswith(
        "2026-11-23T15:30")
    assert client.post(reverse("staff:campaign_unschedule", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.scheduled_at is None and c.status == Campaign.Status.APPROVED
    # the clerk prepares but does not send or schedule
    assert as_(client, world).post(reverse("staff:campaign_schedule", args=[c.pk]),
                                   {"at": "2026-11-23T15:30"}).status_code == 403


def test_pause_resume_and_cancel_through_the_screens(world, client, settings, tmp_path):
    from jingsu.delivery.models import AttemptStatus, DeliveryAttempt
    from jingsu.simulator.process import SimulatorProcess

    c = create_through_form(client, world)
    as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[c.pk]))
    with SimulatorProcess(start=T0, seed=9) as sim:
        settings.JINGSU_PROVIDER_URL = sim.url
        assert client.post(reverse("staff:campaign_send", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.status == Campaign.Status.SENDING
    page = text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    assert 'id="pause-button"' in page and 'id="cancel-form"' in page

    assert client.post(reverse("staff:campaign_pause", args=[c.pk]), {"reason": "문구 재확인"}).status_code == 302
    c.refresh_from_db()
    assert c.status == Campaign.Status.PAUSED
    assert 'id="resume-button"' in text(client.get(reverse("staff:campaign_detail", args=[c.pk])))
    again = client.post(reverse("staff:campaign_pause", args=[c.pk]))
    assert again.status_code == 400 and "일시 중지할 수 없습니다" in text(again)
    assert client.post(reverse("staff:campaign_resume", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.status == Campaign.Status.SENDING

    queued = DeliveryAttempt.objects.filter(notice__campaign=c, status=AttemptStatus.QUEUED).count()
    short = client.post(reverse("staff:campaign_cancel", args=[c.pk]), {"reason": "취소"})
    assert short.status_code == 400 and 'id="id_reason_error"' in text(short)
    c.refresh_from_db()
    assert c.status == Campaign.Status.SENDING
    r = client.post(reverse("staff:campaign_cancel", args=[c.pk]), {"reason": "대상 조건을 잘못 골랐음"}, follow=True)
    assert r.status_code == 200 and f"대기 중인 발송 {queued:,}건을 취소했습니다" in text(r)
    c.refresh_from_db()
    assert c.status == Campaign.Status.CANCELLED
    assert not DeliveryAttempt.objects.filter(notice__campaign=c, status=AttemptStatus.QUEUED).exists()
    assert AuditLog.objects.filter(action="campaign.cancel", target_id=str(c.pk),
                                   actor=world.users["team_lead"].get_username()).exists()
    assert "지금 상태(취소)에서는 할 일이 없습니다" in text(client.get(reverse("staff:campaign_detail", args=[c.pk])))


def test_the_wizard_previews_the_alert_and_the_first_taxpayers_document_without_writing(world, client):
    as_(client, world)
    before = Campaign.objects.count(), Notice.objects.count()
    query = {"kind": "arrears", "as_of": "2026-11-23", **FILTERS}
    counted = client.get(reverse("staff:campaign_preview"), query).json()
    assert counted["alert"]["title"] and "(열람 주소)" in counted["alert"]["sms_text"]  # the same text for everyone
    r = client.get(reverse("staff:campaign_preview_document"), query)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "script-src 'none'" in r["Content-Security-Policy"] and r["X-Frame-Options"] == "SAMEORIGIN"
    assert (Campaign.objects.count(), Notice.objects.count()) == before  # built and rolled back
    log = AuditLog.objects.get(action="campaign.preview_document")
    assert log.target_type == "taxpayers.taxpayer" and log.actor == world.users["clerk"].get_username()
    # the document is the one the real build gives that taxpayer (no control group: its draw is random)
    c = create_through_form(client, world, control_share="0")
    sample = Notice.objects.filter(campaign=c, control_group=False).order_by("id").first()
    assert str(sample.taxpayer_id) == log.target_id
    body = text(r)
    assert sample.taxpayer.name in body and f"{sample.total_amount:,}원" in body
    # bad conditions and an empty selection say why, in Korean
    bad = client.get(reverse("staff:campaign_preview_document"), {**query, "min_amount": "10", "max_amount": "5"})
    assert bad.status_code == 400 and "상한이 하한보다 작습니다" in text(bad)
    none = client.get(reverse("staff:campaign_preview_document"), {**query, "min_amount": "999999999999"})
    assert none.status_code == 404 and "보여 줄 안내문이 없습니다" in text(none)
    # the checker does not prepare
    assert as_(client, world, "team_lead").get(reverse("staff:campaign_preview_document"), query).status_code == 403


def test_a_selection_too_large_to_build_live_gets_quick_estimates(world, client, settings):
    from jingsu.levies.models import Levy

    query = {"kind": "arrears", "as_of": "2026-11-23", "control_share": "10"}
    exact = as_(client, world).get(reverse("staff:campaign_preview"), query).json()
    assert exact["estimate"] is False and exact["note"] == ""
    settings.JINGSU_CAMPAIGN_PREVIEW_LIMIT = 1
    before = AuditLog.objects.count()
    quick = client.get(reverse("staff:campaign_preview"), query).json()
    assert quick["estimate"] is True and "빠른 어림값" in quick["note"]
    levies = Levy.objects.filter(jurisdiction=world.home).arrears(date(2026, 11, 23)).filter(status="normal")
    assert quick["lines"] == exact["lines"] == levies.count()
    assert quick["notices"] == exact["notices"] == levies.values("taxpayer_id").distinct().count()
    assert quick["control"] == quick["notices"] * 10 // 100
    assert quick["total_amount"] == sum(lv.outstanding_amount for lv in levies)  # penalties as stored
    doc = client.get(reverse("staff:campaign_preview_document"), query)
    assert doc.status_code == 413 and "만들기 후" in text(doc)
    assert AuditLog.objects.count() == before  # nothing shown, nothing written


# --- issue #14 item 2: the expected split by first channel, and the control group the build makes -----------------


def _seed(client) -> str:
    """The signed control-group seed the wizard page carries (its preview and its build use it)."""
    import re

    page = text(client.get(reverse("staff:campaign_new")))
    return re.search(r'name="control_seed" value="([^"]+)"', page).group(1)


def _split(preview: dict) -> tuple[dict, dict]:
    return ({r["label"]: r["count"] for r in preview["split"]["first"]},
            {r["label"]: r["count"] for r in preview["split"]["paper"]})


def test_the_preview_splits_by_first_channel_with_the_reason_for_paper(world, client):
    from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

    home = Taxpayer.objects.filter(jurisdiction=world.home)
    kim, lee = home.get(name="김민준"), home.get(name="이서연")  # 이서연: no mobile number
    TaxpayerCI.objects.create(taxpayer=kim, result_code="OK", obtained_at=T0, **TaxpayerCI.sealed("CI-KIM"))
    TaxpayerCI.objects.create(taxpayer=lee, result_code="NOT_FOUND", obtained_at=T0, **TaxpayerCI.sealed(None))
    as_(client, world)
    query = {"kind": "arrears", "as_of": "2026-11-23", "control_share": "0", "include_statuses": "deferred",
             **POLICY}
    p = client.get(reverse("staff:campaign_preview"), query).json()
    first, paper = _split(p)
    # 김민준 → 카카오톡; (주)중랑건설 법인; NGUYEN VAN AN 수신거부; 이서연 has neither a CI nor a mobile number
    assert first == {"카카오톡 전자문서": 1, "KT 공인알림문자": 0, "문자 메시지": 0, "종이 우편": 3}
    assert paper == {"법인": 1, "수신거부": 1, "연계정보와 휴대전화 번호 없음": 1}
    assert sum(first.values()) == p["notices"] - p["control"] and p["split"]["ci_unknown"] == 0
    # the channel order chosen: 문자 first, then 카카오톡 only — 이서연 lacks what 문자 needs first
    p = client.get(reverse("staff:campaign_preview"), {**query, "channel_1": "sms", "channel_2": "kakao",
                                                        "channel_3": "kt"}).json()
    first, paper = _split(p)
    assert first["문자 메시지"] == 1 and paper["연계정보와 휴대전화 번호 없음"] == 1
    p = client.get(reverse("staff:campaign_preview"), {**query, "channel_1": "kakao", "channel_2": "kt",
                                                        "channel_3": "", "channel_4": ""}).json()
    assert _split(p)[1]["연계정보 없음"] == 1  # only the CI channels chosen: the missing CI is the reason
    # a taxpayer not yet looked up is counted as found, and the page says where they go if not
    TaxpayerCI.objects.filter(taxpayer=kim).delete()
    p = client.get(reverse("staff:campaign_preview"), query).json()
    assert _split(p)[0]["카카오톡 전자문서"] == 1 and p["split"]["ci_unknown"] == 1
    assert "연계정보를 아직 조회하지 않은 1명은 찾는다고 보고 셈했습니다" in p["split"]["note"]
    assert "찾지 못하면 문자 메시지 1건입니다" in p["split"]["note"]
    page = text(client.get(reverse("staff:campaign_new")))
    assert 'id="preview-split"' in page and 'id="preview-paper"' in page


def test_the_channel_rule_is_the_one_delivery_uses():
    """No second copy: the preview calls delivery.services.plan_channels, and sending's channel_plan is its list."""
    import inspect

    from jingsu.delivery import services as delivery
    from jingsu.staff import campaign_views

    assert "plan_channels(" in inspect.getsource(delivery.expected_split)
    assert "plan_channels(" in inspect.getsource(delivery.channel_plan)
    assert "expected_split" in inspect.getsource(campaign_views.preview_campaign)
    assert "is_individual" not in inspect.getsource(campaign_views) and "opt_out" not in inspect.getsource(
        campaign_views)


def test_the_control_group_and_the_split_previewed_are_what_the_build_and_the_sending_make(world, client, clock,
                                                                                            settings, tmp_path):
    from jingsu.delivery.models import DeliveryAttempt
    from jingsu.delivery.services import resolve_ci
    from jingsu.providers.registry import simulator_providers
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll
    from jingsu.simulator.process import SimulatorProcess
    from jingsu.taxpayers.models import Taxpayer

    roll = tmp_path / "more.csv"
    generate_roll(jurisdiction=world.home.code, taxpayers=120, seed=14, out=roll, today=date(2026, 11, 23))
    import_roll(roll, jurisdiction=world.home, clock=clock)
    as_(client, world)
    seed = _seed(client)
    conditions = {"kind": "arrears", "as_of": "2026-11-23", "control_share": "30", **FILTERS, **POLICY,
                  "control_seed": seed}
    with SimulatorProcess(start=T0, seed=9) as sim:
        # the identity agency asked before the preview, as a second campaign finds it: nothing left to assume
        resolve_ci(Taxpayer.objects.filter(jurisdiction=world.home), simulator_providers(sim.url), clock=clock)
        p = client.get(reverse("staff:campaign_preview"), conditions).json()
        assert p["ok"] and p["split"]["ci_unknown"] == 0 and p["control"] > 0
        c = create_through_form(client, world, control_share="30", control_seed=seed)
        notices_ = Notice.objects.filter(campaign=c)
        assert notices_.filter(control_group=True).count() == p["control"]
        assert notices_.count() == p["notices"]
        as_(client, world, "team_lead").post(reverse("staff:campaign_approve", args=[c.pk]))
        settings.JINGSU_PROVIDER_URL = sim.url
        assert client.post(reverse("staff:campaign_send", args=[c.pk])).status_code == 302
    sent = {}
    for a in DeliveryAttempt.objects.filter(notice__campaign=c, sequence=1):
        label = a.get_channel_display()
        sent[label] = sent.get(label, 0) + 1
    first, _ = _split(p)
    assert {k: v for k, v in first.items() if v} == sent
    assert first["종이 우편"] > 0 and first["카카오톡 전자문서"] > 0


def test_a_tampered_control_seed_is_refused(world, client):
    as_(client, world)
    r = client.post(reverse("staff:campaign_new"), {"kind": "arrears", "name": "변조", "as_of": "2026-11-23",
                                                    "control_share": "10", **FILTERS, **POLICY, "control_seed": "12345"})
    assert r.status_code == 400 and "대조군 추첨 값이 맞지 않습니다" in text(r)
    assert not Campaign.objects.filter(name="변조").exists()
