"""The console shows the enforcement steps (명단공개 사전 통지, 관허사업 제한 예고, 번호판 영치 예고, 신용정보 제공 예고)
in Korean: their kind, the measure with its date and basis on the list, the campaign page, the sample and its PDF —
with no English word nor bracketed particle (the rules of test_words.py). The wizard does not offer them: they are
made from an enforcement case."""

from __future__ import annotations

from datetime import date

import pytest
from _staff_helpers import as_, text
from django.urls import reverse
from test_words import _names, pdf_texts, problems, visible_text  # noqa: F401 (pdf_texts: a fixture)

from jingsu.core.formats import kdate
from jingsu.core.models import AuditLog
from jingsu.law.enforcement import explanation_period_end
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign
from jingsu.staff.audit_labels import detail_items
from jingsu.taxpayers.models import Taxpayer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]

AS_OF = date(2026, 11, 23)
DATES = {Campaign.Kind.DISCLOSURE: date(2027, 6, 16), Campaign.Kind.LICENSE: date(2027, 1, 15),
         Campaign.Kind.PLATE: date(2027, 1, 8), Campaign.Kind.CREDIT: date(2027, 2, 1)}
LABELS = {Campaign.Kind.DISCLOSURE: "공개 예정일", Campaign.Kind.LICENSE: "제한 요구 예정일",
          Campaign.Kind.PLATE: "영치 예정일", Campaign.Kind.CREDIT: "제공 예정일"}


def _measures(world, clock) -> dict[str, Campaign]:
    owing = Taxpayer.objects.filter(jurisdiction=world.home, levies__isnull=False).distinct()
    vehicle = Taxpayer.objects.filter(jurisdiction=world.home, levies__tax_item="15").distinct()
    out = {}
    for kind, on in DATES.items():
        targets = list(vehicle[:2] if kind == Campaign.Kind.PLATE else owing[:3])
        c = notices.create_campaign(world.home, name=f"{Campaign.Kind(kind).label} 12월", kind=kind, as_of=AS_OF,
                                    actor="maker", clock=clock, taxpayers=targets, measure_on=on)
        notices.build_campaign(c, actor="maker", clock=clock)
        out[kind] = c
    return out


def test_the_console_shows_each_enforcement_step_in_korean(world, client, clock, pdf_texts):  # noqa: F811
    made = _measures(world, clock)
    names = _names(world)
    as_(client, world, "team_lead")
    listing = client.get(reverse("staff:campaign_list"))
    assert listing.status_code == 200
    body = visible_text(text(listing))
    report = problems(body, names)
    for kind, c in made.items():
        assert Campaign.Kind(kind).label in body and f"조치 예정일 {kdate(DATES[kind])}" in body
        for name in ("campaign_detail", "campaign_recipients", "campaign_sample"):
            r = client.get(reverse(f"staff:{name}", args=[c.pk]))
            assert r.status_code == 200, (name, kind)
            shown = visible_text(text(r))
            report += [f"{name} {kind}: {p}" for p in problems(shown, names)]
            if name == "campaign_detail":
                assert Campaign.Kind(kind).label in shown
                assert f"{LABELS[kind]} {kdate(DATES[kind])}" in shown
                assert "체납처분 사건에서 지정한 납세자" in shown and "등기우편" in shown
                assert "카카오톡 전자문서 → KT 공인알림문자 → 종이 우편" in shown
            if name == "campaign_sample":
                assert LABELS[kind] in shown and kdate(DATES[kind]) in shown and "법적 근거" in shown
        pdf = client.get(reverse("staff:campaign_sample_pdf", args=[c.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    for t in pdf_texts:
        report += [f"PDF: {p}" for p in problems(t, names)]
    assert len(pdf_texts) == len(made)
    assert report == []
    # 명단공개: the 소명 기간's last day, by jingsu.law
    detail = visible_text(text(client.get(reverse("staff:campaign_detail", args=[made["disclosure"].pk]))))
    assert f"소명 기간 끝나는 날 {kdate(explanation_period_end('11260', AS_OF))}" in detail


def test_the_audit_log_reads_an_enforcement_step_in_korean(world, clock):
    made = _measures(world, clock)
    plate = made[Campaign.Kind.PLATE]
    create = AuditLog.objects.get(action="campaign.create", target_id=str(plate.pk))
    items = dict(detail_items("campaign.create", create.detail))
    assert items["종류"] == "번호판 영치 예고" and items["조치 예정일"] == kdate(DATES[Campaign.Kind.PLATE])
    assert items["우편 종류"] == "등기우편" and items["지정 대상 납세자 수"] == f"{len(plate.targets)}"
    build = AuditLog.objects.get(action="campaign.build", target_id=str(plate.pk))
    assert "체납액이 없어 뺀 납세자" in dict(detail_items("campaign.build", build.detail))
    arrears = AuditLog.objects.filter(action="campaign.build").exclude(target_id__in=[str(c.pk) for c in made.values()])
    assert all("skipped" not in a.detail for a in arrears)


def test_the_wizard_offers_only_the_kinds_built_from_arrears(world, client):
    form = text(as_(client, world).get(reverse("staff:campaign_new")))
    for kind in Campaign.MEASURE_KINDS:
        assert f'value="{kind}"' not in form
    assert 'value="arrears"' in form and 'value="demand"' in form
    assert client.get(reverse("staff:campaign_new"), {"kind": "plate"}).status_code == 200
