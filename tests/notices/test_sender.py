"""The sender (office, team, telephone) per jurisdiction: set by the office (`jingsu office`, audited), named by every
alert, document and portal page; frozen on a campaign at its build so the registered hash of its notices holds when
the office changes its settings later (docs/notices.md "Canonical content and hash")."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from jingsu.core.models import AuditLog, Jurisdiction, Sender
from jingsu.notices import documents
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign
from jingsu.rolls.importer import import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
AS_OF = date(2026, 11, 23)


def office(code: str = "11260", **options: object) -> str:
    out = io.StringIO()
    call_command("office", code, actor="tester", stdout=out, **options)
    return out.getvalue()


def build(clock, j: Jurisdiction) -> Campaign:
    import_roll(SMALL, jurisdiction=j, clock=clock)
    campaign = notices.create_campaign(j, name="11월 체납안내", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    return Campaign.objects.select_related("jurisdiction", "template").get(pk=campaign.pk)


def a_notice(campaign: Campaign):
    return documents.notices_for_rendering(campaign.notices.filter(taxpayer__name="김민준")).get()


def test_sender_names_office_and_team_and_never_a_bare_label():
    s = Sender(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234")
    assert (s.name, s.contact) == ("중랑구 세무1과 체납징수팀", "중랑구 세무1과 체납징수팀 02-2094-1234")
    assert s.as_issuer() == {"office": "중랑구 세무1과", "team": "체납징수팀", "phone": "02-2094-1234"}
    bare = Sender(office="서울특별시 중랑구청")
    assert bare.contact == "서울특별시 중랑구청" and bare.as_issuer() == {"office": "서울특별시 중랑구청", "phone": ""}
    assert Sender.from_issuer(s.as_issuer()) == s


@pytest.mark.django_db
def test_the_office_command_sets_shows_and_audits(jungnang):
    shown = office(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234", installments_max=4,
                   installment_min=30000)
    assert "중랑구 세무1과 체납징수팀" in shown and "02-2094-1234" in shown and "최대 4회" in shown
    assert "30,000원" in shown
    jungnang.refresh_from_db()
    assert jungnang.sender == Sender("중랑구 세무1과", "체납징수팀", "02-2094-1234")
    row = AuditLog.objects.get(action="jurisdiction.sender_set")
    assert row.actor == "tester" and row.detail["after"]["office_team"] == "체납징수팀"
    assert AuditLog.objects.filter(action="installment.rule_set").exists()
    with pytest.raises(CommandError, match="문의 전화"):
        office(phone="2094")
    with pytest.raises(CommandError, match="2 이상"):
        office(installments_max=1)
    with pytest.raises(CommandError, match="자치단체가 없습니다"):
        office("99999", phone="02-2094-1234")
    listing = io.StringIO()
    call_command("office", stdout=listing)
    assert "11350 노원구" in listing.getvalue() and "문의 전화 없음" in listing.getvalue()


@pytest.mark.django_db
def test_the_demo_sets_jungnang_tax_office_and_team():
    from jingsu.ops.demo.run import set_demo_office

    sender = set_demo_office(Jurisdiction.objects.get(code="11260"))
    assert sender.name == "중랑구 세무1과 체납징수팀" and sender.phone.startswith("02-")


@pytest.mark.django_db
def test_alerts_name_office_team_and_phone_and_the_sms_ends_with_the_contact(clock, jungnang):
    office(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234")
    jungnang.refresh_from_db()
    campaign = notices.create_campaign(jungnang, name="a", kind="arrears", as_of=AS_OF, actor="m", clock=clock)
    alert = documents.render_alert(campaign, link="https://portal.example/n/x")
    assert alert.title == "중랑구 세무1과 체납징수팀 체납안내문"
    assert alert.text.startswith("안녕하세요. 중랑구 세무1과 체납징수팀입니다.")
    assert alert.text.endswith("문의: 중랑구 세무1과 체납징수팀 02-2094-1234")
    assert alert.sms_text.startswith("[중랑구 세무1과 체납징수팀] 체납안내문이 도착했습니다.")
    assert alert.sms_text.endswith("https://portal.example/n/x\n문의: 중랑구 세무1과 체납징수팀 02-2094-1234")
    # an office that set no number yet: the SMS still ends with whom to ask, never with a bare "문의"
    office(phone="")
    jungnang.refresh_from_db()
    campaign.jurisdiction = jungnang
    sms = documents.render_alert(campaign, link="L").sms_text
    assert sms.endswith("문의: 중랑구 세무1과 체납징수팀") and not sms.rstrip().endswith("문의")


@pytest.mark.django_db
def test_the_document_names_the_sender_and_its_hash_survives_later_changes(clock, jungnang):
    office(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234")
    jungnang.refresh_from_db()
    campaign = build(clock, jungnang)
    assert campaign.issuer == {"office": "중랑구 세무1과", "team": "체납징수팀", "phone": "02-2094-1234"}
    notice = a_notice(campaign)
    content = json.loads(documents.notice_canonical_content(notice))
    assert content["issuer"] == {"code": "11260", "office": "중랑구 세무1과", "team": "체납징수팀",
                                 "phone": "02-2094-1234"}
    assert documents.document_hash(notice) == notice.doc_hash
    html = documents.render_html(notice)
    assert "중랑구 세무1과 체납징수팀 · 전화 02-2094-1234" in html
    # the office moves: a new number and team. The registered document keeps its content and hash; the alerts of
    # a campaign still sending name the new number (the one that answers now)
    office(team="징수2팀", phone="02-2094-9999")
    notice = a_notice(Campaign.objects.get(pk=campaign.pk))
    assert documents.document_hash(notice) == notice.doc_hash
    assert "02-2094-1234" in documents.render_html(notice)
    assert documents.render_alert(notice.campaign).text.endswith("문의: 중랑구 세무1과 징수2팀 02-2094-9999")


@pytest.mark.django_db
def test_campaigns_built_before_the_issuer_was_frozen_keep_their_hash(clock, jungnang):
    """Migration notices 0009: a campaign built before Campaign.issuer existed was hashed with the jurisdiction's
    office name and phone, no team. Freezing exactly those keeps the hash when the office later sets a team."""
    from importlib import import_module

    jungnang.office_name, jungnang.office_phone = "서울특별시 중랑구청", "02-2094-0114"
    jungnang.save()
    campaign = build(clock, jungnang)
    Campaign.objects.filter(pk=campaign.pk).update(issuer={})  # as a campaign built before the field existed
    notice = a_notice(Campaign.objects.get(pk=campaign.pk))
    assert documents.document_hash(notice) == notice.doc_hash  # read through the fallback: today's values
    import_module("jingsu.notices.migrations.0009_campaign_issuer").freeze(apps, None)
    assert Campaign.objects.get(pk=campaign.pk).issuer == {"office": "서울특별시 중랑구청", "phone": "02-2094-0114"}
    office(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234")
    notice = a_notice(Campaign.objects.get(pk=campaign.pk))
    assert documents.document_hash(notice) == notice.doc_hash
    assert "team" not in json.loads(documents.notice_canonical_content(notice))["issuer"]


@pytest.mark.django_db
def test_the_public_notice_says_whom_to_ask(jungnang):
    from jingsu.delivery.paper import render_public_notice_html

    office(office="중랑구 세무1과", team="체납징수팀", phone="02-2094-1234")
    jungnang.refresh_from_db()
    page = render_public_notice_html(jungnang, date(2026, 12, 1), date(2026, 12, 15), [])
    assert "서류는 중랑구 세무1과 체납징수팀(전화 02-2094-1234)에서 본인 확인 후" in page
