"""The effect report: figures counted from rows, the control-group uplift with its interval, XLSX/HTML/JSON and the CLI."""

from __future__ import annotations

import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jingsu.core.models import Jurisdiction
from jingsu.delivery.costs import UNIT_COST
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Notice
from jingsu.payments.models import Allocation, Payment
from jingsu.reports.effects import (
    campaign_effects,
    parse_period,
    period_effects,
    render_html,
    render_xlsx,
)
from jingsu.stats import newcombe, wilson

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402


def test_wilson_interval_closed_forms():
    # x = 0: (0, z²/(n+z²)); x = n: (n/(n+z²), 1) — worked by hand with z = 1.96: 3.8415/13.8415 = 0.27753
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and round(hi, 4) == 0.2775
    lo, hi = wilson(10, 10)
    assert round(lo, 4) == 0.7225 and round(hi, 9) == 1.0


def test_newcombe_difference_interval_matches_the_paper():
    # Newcombe (1998), example (h) 10/10 − 0/10, method 10: 0.6075 to 1.0000
    d, lo, hi = newcombe(10, 10, 0, 10)
    assert d == 1.0 and round(lo, 4) == 0.6075 and round(hi, 9) == 1.0
    # example (a) 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339
    d, lo, hi = newcombe(56, 70, 48, 80)
    assert round(d, 4) == 0.2 and round(lo, 4) == 0.0524 and round(hi, 4) == 0.3339


def test_parse_period_errors_name_the_parameter():
    assert parse_period("2026-01-01..2026-12-31") == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(ValueError, match="--period"):
        parse_period("2026-01-01")
    with pytest.raises(ValueError, match="--period"):
        parse_period("2026-12-31..2026-01-01")


@pytest.fixture
def measured(clock, jungnang):
    """3 notices: two sent (one paid after 2 h, one unpaid), one held out as control and paid after 5 days."""
    campaign = build_campaign(clock, jungnang)
    now = clock.now()
    a, b, c = Notice.objects.filter(campaign=campaign).order_by("pk")
    Notice.objects.filter(pk=c.pk).update(control_group=True, status=Notice.Status.CONTROL)
    for n, status, cost in ((a, AttemptStatus.READ, 500), (b, AttemptStatus.DELIVERED, 500)):
        DeliveryAttempt.objects.create(
            notice=n, channel=Channel.KAKAO, sequence=1, key=f"{n.reference}-1", status=status, cost=cost,
            external_id=f"{n.reference}-1", created_at=now, updated_at=now, sent_at=now, delivered_at=now,
            read_deadline=now + timedelta(days=7), fallback_at=now + timedelta(hours=24))
    Notice.objects.filter(pk=a.pk).update(delivered_at=now, read_at=now + timedelta(minutes=30))
    Notice.objects.filter(pk=b.pk).update(delivered_at=now)
    # the money, as rows: a payment and its allocation to a levy of the notice (the report attributes it)
    for i, (when, amount, notice) in enumerate(((now + timedelta(hours=2), 120_000, a),
                                                (now - timedelta(days=365), 70_000, None),
                                                (now - timedelta(days=400), 9_990, None),
                                                (now + timedelta(days=5), 50_000, c))):
        p = Payment.objects.create(jurisdiction=jungnang, source="test", external_id=f"t{i}", received_at=when,
                                   amount=amount, channel="easy-pay", created_at=now)
        if notice is not None:
            Allocation.objects.create(payment=p, levy=notice.lines.first().levy, head=Allocation.Head.TAX,
                                      amount=amount)
    return campaign


@pytest.mark.django_db
def test_campaign_effects_are_counted_from_the_rows(measured):
    e = campaign_effects(measured)
    assert (e["notices"], e["control_group"]) == (2, 1)
    assert (e["delivered"], e["read"], e["delivery_rate"], e["read_rate"]) == (2, 1, 1.0, 0.5)
    assert (e["paid_count"], e["paid_amount"], e["paid_rate"]) == (1, 120_000, 0.5)
    assert e["paid_within"]["3h"] == {"count": 1, "amount": 120_000}
    # the control notice was never sent: it is timed from the campaign's first send, paid on day 5
    assert e["control_paid_within"]["3d"]["count"] == 0 and e["control_paid_within"]["30d"]["count"] == 1
    up = e["uplift"]
    assert (up["rate_treated"], up["rate_control"], up["difference"]) == (0.5, 1.0, -0.5)
    assert up["interval"][0] < -0.5 < up["interval"][1]
    # mean paid per notice 60,000 (treated) − 50,000 (control) = 10,000 × 2 notices
    assert up["extra_amount"] == 20_000
    paper = UNIT_COST[Channel.PAPER]
    assert (e["cost"], e["paper_cost"], e["saving"]) == (1000, 2 * paper, 2 * paper - 1000)
    assert e["year_before"]["this_year"]["amount"] == 170_000
    assert e["year_before"]["year_before"] == {"count": 1, "amount": 70_000}  # 400 days back is outside the window
    (row, total) = e["seed_table"]
    assert row["year"] == 2026 and row["revenue_gain"] == 20_000 and total["saving"] == e["saving"]


@pytest.mark.django_db
def test_no_control_group_means_no_uplift_rather_than_the_whole_collection(clock, jungnang):
    campaign = build_campaign(clock, jungnang)
    e = campaign_effects(campaign)
    assert e["control_group"] == 0 and e["uplift"] is None
    assert e["seed_table"][0]["revenue_gain"] is None
    assert "측정할 수 없습니다" in render_html(e)


@pytest.mark.django_db
def test_period_report_pools_the_campaigns_of_the_period(measured):
    e = period_effects(Jurisdiction.by_code("11260"), date(2026, 11, 1), date(2026, 11, 30))
    assert e["campaigns"] == [measured.pk] and e["notices"] == 2
    assert period_effects(Jurisdiction.by_code("11260"), date(2025, 1, 1), date(2025, 12, 31))["notices"] == 0
    assert period_effects(Jurisdiction.by_code("11560"), date(2026, 11, 1), date(2026, 11, 30))["notices"] == 0


@pytest.mark.django_db
def test_html_and_xlsx_carry_the_same_figures(measured):
    e = campaign_effects(measured)
    page = render_html(e)
    assert "<svg" in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "세입 확대" in page and "95% 신뢰구간" in page
    wb = load_workbook(io.BytesIO(render_xlsx(e)))
    assert wb.sheetnames == ["요약", "채널별", "연도별"]
    summary = {r[0]: r[1] for r in wb["요약"].iter_rows(values_only=True)}
    assert summary["납부 금액(원)"] == 120_000 and summary["세입 확대(원)"] == 20_000
    # words and number formats: windows in Korean, rates as percentages, years without a thousands separator
    formats = {row[0].value: row[1].number_format for row in wb["요약"].iter_rows()}
    assert "3시간 안 납부 건수" in summary and "30일 안 납부 금액(원)" in summary
    assert not any(str(label).startswith(("3h", "3d", "30d")) for label in summary)
    assert formats["송달률"] == formats["열람률"] == formats["납부율 차이"] == "0.00%"
    assert formats["납부 금액(원)"] == formats["납부 건수"] == "#,##0"
    years = wb["연도별"]
    assert years.max_row > 1 and all(years.cell(row=r, column=1).number_format == "0"
                                     for r in range(2, years.max_row + 1))
    assert isinstance(years["A2"].value, int) and years["A2"].value > 2000


@pytest.mark.django_db
def test_cli_writes_each_format_and_names_bad_parameters(measured, tmp_path, capsys):
    call_command("report", "effects", "--campaign", str(measured.pk), "--format", "json")
    assert json.loads(capsys.readouterr().out)["paid_count"] == 1
    out = tmp_path / "e.xlsx"
    call_command("report", "effects", "--period", "2026-11-01..2026-11-30", "--jurisdiction", "11260",
                 "--format", "xlsx", "--out", str(out))
    assert load_workbook(out)["요약"]["B4"].value == 2
    with pytest.raises(CommandError, match="--campaign"):
        call_command("report", "effects", "--campaign", "999999")
    with pytest.raises(CommandError, match="--jurisdiction"):
        call_command("report", "effects", "--period", "2026-11-01..2026-11-30")
    with pytest.raises(CommandError, match="--out"):
        call_command("report", "effects", "--campaign", str(measured.pk), "--format", "xlsx")
