"""The effect report counts what citizens asked for from a campaign's notice pages: 분할 납부 requested and approved,
상담 요청 (jingsu.reports.effects; JSON, HTML, XLSX and the console's report page)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jingsu.assistance import services as assistance
from jingsu.core.models import Jurisdiction
from jingsu.notices.models import Notice
from jingsu.reports import effects as fx

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402


@pytest.mark.django_db
def test_requests_are_counted_per_campaign(clock, jungnang):
    campaign = build_campaign(clock, jungnang)
    empty = fx.campaign_effects(campaign)
    assert (empty["installments_requested"], empty["installments_approved"], empty["callbacks_requested"]) == (0, 0, 0)
    by_name = {n.taxpayer.name: n for n in Notice.objects.filter(campaign=campaign).select_related("taxpayer")}
    approved = assistance.request_installments(by_name["김민준"], count=2, remote="x", clock=clock)
    assistance.approve_plan(approved, actor="clerk", clock=clock)
    assistance.request_installments(by_name["이서연"], count=2, remote="x", clock=clock)
    assistance.request_callback(by_name["김민준"], reason="hardship", preferred_time="any", remote="x", clock=clock)
    e = fx.campaign_effects(campaign)
    assert (e["installments_requested"], e["installments_approved"], e["callbacks_requested"]) == (2, 1, 1)
    html = fx.render_html(e)
    assert "<tr><th>분할 납부 요청 / 승인</th><td>2건 / 1건</td></tr>" in html
    assert "<tr><th>상담 요청</th><td>1건</td></tr>" in html
    rows = {r[0]: r[1] for r in load_workbook(io.BytesIO(fx.render_xlsx(e)))["요약"].iter_rows(values_only=True)}
    assert (rows["분할 납부 요청"], rows["분할 납부 승인"], rows["상담 요청"]) == (2, 1, 1)
    # a period report pools them too
    period = fx.period_effects(Jurisdiction.by_code("11260"), campaign.as_of, campaign.as_of)
    assert (period["installments_requested"], period["callbacks_requested"]) == (2, 1)
