"""Formula injection (issue 20 §2): a hostile campaign name in the effect workbook is text, never a formula."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jingsu.notices.models import Campaign
from jingsu.reports.effects import campaign_effects, render_xlsx

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

LINK = '=HYPERLINK("http://evil.example/x","클릭")'


@pytest.mark.django_db
def test_effect_xlsx_writes_a_hostile_campaign_name_as_text(clock, jungnang):
    campaign = build_campaign(clock, jungnang)
    Campaign.objects.filter(pk=campaign.pk).update(name=LINK)
    campaign.refresh_from_db()
    e = campaign_effects(campaign)
    wb = load_workbook(io.BytesIO(render_xlsx(e)))
    cells = {r[0].value: r[1] for r in wb["요약"].iter_rows() if r[0].value}
    name = next(c for c in cells.values() if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert name.value == "'" + LINK and name.data_type == "s"
    assert cells["안내 금액(원)"].data_type == "n" and cells["안내 금액(원)"].value == e["total_amount"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
