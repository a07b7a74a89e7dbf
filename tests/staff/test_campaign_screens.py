"""The campaign screens (issue #8 item 3): list, new campaign with its live preview, the campaign page (approve with
maker-checker, send), and the progress JSON, through the Django test client on a real database."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from jingsu.core.models import AuditLog
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice
from jingsu.staff import access

BACKEND = "django.contrib.auth.backends.ModelBackend"
pytestmark = pytest.mark.django_db

FILTERS = {"min_age": "0", "max_age": "10", "min_amount": "1000"}


@pytest.fixture(autouse=True)
def screen_clock(clock):
    previous = access.set_clock(clock)
    yield clock
    access.set_clock(previous)


def as_(client, world, role="clerk"):
    client.force_login(world.users[role], backend=BACKEND)
    return client


def text(r) -> str:
    return r.content.decode()


def no_inline(r) -> None:
    body = text(r)
    assert " style=" not in body and "<script>" not in body and "<style" not in body


def create_through_form(client, world, **extra) -> Campaign:
    data = {"kind": "arrears", "name": "12월 체납안내", "as_of": "2026-11-23", "control_share": "10", **FILTERS,
            **extra}
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
        "min_amount": "999999999999"})
    assert r.status_code == 400
    assert "조건에 맞는 체납자가 없습니다" in text(r)
    assert not Campaign.objects.filter(name="빈 캠페인").exists()


def test_the_team_lead_approves_and_the_maker_cannot(world, client):
    c = create_through_form(client, world)
    # the clerk lacks approve_campaign
    assert as_(client, world).post(reverse("staff:campaign_approve", args=[c.pk])).status_code == 403
    # someone with approve_campaign who built it himself gets the maker-checker refusal
    lead = world.users["team_lead"]
    own = notices.create_campaign(world.home, name="팀장이 만든 캠페인", kind="arrears", as_of=date(2026, 11, 23),
                                  actor=lead.get_username())
    notices.build_campaign(own, actor=lead.get_username())
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


def test_sending_without_a_provider_address_shows_a_korean_message(world, client, settings):
    settings.JINGSU_PROVIDER_URL = ""
    c = create_through_form(client, world)
    notices.approve_campaign(c, actor="checker")
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_send", args=[c.pk]))
    assert r.status_code == 503
    assert "JINGSU_PROVIDER_URL" in text(r) and "발송할 수 없습니다" in text(r)
    c.refresh_from_db()
    assert c.status == Campaign.Status.APPROVED


def test_sending_with_a_provider_error_shows_a_korean_message(world, client, monkeypatch):
    from jingsu.providers import registry
    from jingsu.providers.base import ProviderError

    def down():
        raise ProviderError("connection refused")

    monkeypatch.setattr(registry, "configured_providers", down)
    c = create_through_form(client, world)
    notices.approve_campaign(c, actor="checker")
    r = as_(client, world, "team_lead").post(reverse("staff:campaign_send", args=[c.pk]))
    assert r.status_code == 502 and "발송 기관과 통신하지 못했습니다" in text(r)


def test_another_jurisdictions_campaign_is_404_and_roles_without_permission_403(world, client):
    other = notices.create_campaign(world.other, name="노원 캠페인", kind="arrears", as_of=date(2026, 11, 23),
                                    actor="maker")
    notices.build_campaign(other, actor="maker")
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
