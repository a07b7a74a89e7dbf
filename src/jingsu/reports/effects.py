"""What notices achieved, measured from the records: notices by channel, 송달률 and 열람률, payments within 3 hours,
3 days and 30 days, the uplift over the held-out control group with a 95 % interval, the same window a year before,
cost per channel against an all-paper mailing, and the seed's table (연도, 세입 확대, 연간 절감 비용).

Every figure is a count or a sum over rows, or a standard interval computed from them; nothing is guessed.

- A *campaign* report covers one campaign's notices. A *period* report covers the notices of every campaign of a
  jurisdiction whose 기준일 (as_of) falls in the period, pooled.
- Payments count for notices by the one attribution rule (`jingsu.payments.attribution`, docs/reports.md): each
  won allocated to a levy counts for at most one notice — the one carrying the levy that the taxpayer received most
  recently before paying, within 30 days. A campaign, a period, a year row, the dashboard and the XLSX all add up
  those credits, so a period's paid amount is the sum of distinct payments, never a payment twice.
- "Paid within N" counts a notice whose first attributed payment came within N of the notice's first send; a
  control-group notice (never sent) is timed from its campaign's first send, so the two groups are measured over the
  same window.
- Uplift (세입 확대): the treated group's payment rate minus the control group's, with Newcombe's hybrid score
  interval (Newcombe 1998, method 10, from two Wilson intervals); and the extra money: the difference of mean paid
  amount per notice (Welch's normal interval) times the number of treated notices. With no control group the
  uplift is reported as null, never as the whole collection.
- The year-before comparison sums all payments received by the jurisdiction in the same window one year earlier
  (what came in without this campaign's notices), against the window now.
- What citizens asked for from the notices' pages (jingsu.assistance): 분할 납부 requested and approved, 상담 요청.
"""

from __future__ import annotations

import html
import io
import math
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum

from jingsu.clock import DEFAULT_CLOCK, SEOUL
from jingsu.core.formats import kdate, won
from jingsu.core.models import Jurisdiction
from jingsu.delivery.costs import UNIT_COST
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Campaign, Notice
from jingsu.payments import attribution
from jingsu.payments.models import Payment
from jingsu.reports.common import SENT, XLSX_FORMATS, pct, xlsx_label_rows
from jingsu.reports.experiments import experiment_row
from jingsu.stats import Z95, mean_var, newcombe

ELECTRONIC = (Channel.KAKAO, Channel.KT, Channel.SMS)
WINDOWS = {"3h": timedelta(hours=3), "3d": timedelta(days=3), "30d": timedelta(days=30)}
#: the windows as people say them (the keys are the JSON's)
WINDOW_LABELS = {"3h": "3시간", "3d": "3일", "30d": "30일"}


def campaign_effects(campaign: Campaign) -> dict[str, Any]:
    """The effect report of one campaign (JSON-ready dict)."""
    report = _measure(Notice.objects.filter(campaign=campaign), jurisdiction=campaign.jurisdiction_id)
    report.update(scope="campaign", campaign=campaign.pk, name=campaign.name, as_of=campaign.as_of.isoformat())
    return report


def period_effects(jurisdiction: Jurisdiction, start: date, end: date, *, now: datetime | None = None
                   ) -> dict[str, Any]:
    """The effect report of every campaign of `jurisdiction` whose 기준일 is within [start, end], pooled; with the
    period's experiments (`experiments`: one row per campaign with a pre-registered experiment, its verdicts as of
    `now` — the caller's clock; the process clock when not given)."""
    if end < start:
        raise ValueError("기간의 끝이 시작보다 앞섭니다.")
    campaigns = Campaign.objects.filter(jurisdiction=jurisdiction, as_of__gte=start, as_of__lte=end)
    report = _measure(Notice.objects.filter(campaign__in=campaigns), jurisdiction=jurisdiction.code)
    report.update(scope="period", campaign=None, name=f"{start.isoformat()} ~ {end.isoformat()}",
                  period={"from": start.isoformat(), "to": end.isoformat()},
                  campaigns=list(campaigns.order_by("pk").values_list("pk", flat=True)), as_of=end.isoformat())
    with_experiment = list(campaigns.filter(experiment__isnull=False).order_by("as_of", "pk"))
    report["experiments"] = []
    if with_experiment:
        at = now if now is not None else DEFAULT_CLOCK.now()
        report["experiments"] = [experiment_row(c, now=at) for c in with_experiment]
    return report


# --- measuring -------------------------------------------------------------------------------------------------------


def _measure(notices: QuerySet[Notice], *, jurisdiction: str) -> dict[str, Any]:
    treated = notices.filter(control_group=False)
    attempts = DeliveryAttempt.objects.filter(notice__in=notices)

    by_channel = {c.value: {"attempts": 0, "sent": 0, "delivered": 0, "read": 0, "rejected": 0, "cost": 0}
                  for c in Channel}
    for row in attempts.values("channel").annotate(
        attempts=Count("id"),
        sent=Count("id", filter=Q(status__in=SENT)),
        delivered=Count("id", filter=Q(delivered_at__isnull=False)),
        read=Count("id", filter=Q(status=AttemptStatus.READ)),
        rejected=Count("id", filter=Q(status__in=(AttemptStatus.REJECTED, AttemptStatus.FAILED))),
        cost=Sum("cost", filter=Q(status__in=SENT)),
    ):
        channel = row.pop("channel")
        by_channel[channel] = {k: int(v or 0) for k, v in row.items()}

    # first send per notice and per campaign (control notices are timed from their campaign's first send)
    first_by_campaign = dict(
        attempts.filter(sent_at__isnull=False).values("notice__campaign")
        .annotate(first=Min("sent_at")).values_list("notice__campaign", "first")
    )
    rows = list(notices.annotate(first_sent=Min("attempts__sent_at")).values_list(
        "pk", "campaign_id", "control_group", "first_sent"))
    # the money each notice is credited with, by the one attribution rule: no payment counts for two notices
    credit = attribution.credits(notices)
    none = attribution.Credit()
    groups: dict[bool, list[tuple[datetime | None, datetime | None, int]]] = {False: [], True: []}
    for notice_id, campaign_id, is_control, first_sent in rows:
        start = first_by_campaign.get(campaign_id) if is_control else first_sent
        c = credit.get(notice_id, none)
        groups[is_control].append((start, c.first_paid_at, c.amount))

    def paid_within(group: list[tuple[datetime | None, datetime | None, int]], window: timedelta | None
                    ) -> dict[str, int]:
        hit = [amt for start, paid_at, amt in group
               if paid_at is not None and (window is None or (start is not None and paid_at - start <= window))]
        return {"count": len(hit), "amount": sum(hit)}

    n_t, n_c = len(groups[False]), len(groups[True])
    paid = paid_within(groups[False], None)
    control_paid = paid_within(groups[True], None)
    delivered = treated.filter(delivered_at__isnull=False).count()
    read = treated.filter(read_at__isnull=False).count()
    paper = treated.filter(attempts__channel=Channel.PAPER, attempts__status__in=SENT).distinct().count()
    mobile = treated.filter(attempts__channel__in=ELECTRONIC, attempts__delivered_at__isnull=False).distinct().count()
    cost = sum(c["cost"] for c in by_channel.values())
    paper_cost = n_t * UNIT_COST[Channel.PAPER]
    uplift = _uplift(groups[False], groups[True])
    window = _window(first_by_campaign.values())
    report: dict[str, Any] = {
        "jurisdiction": jurisdiction,
        "notices": n_t,
        "control_group": n_c,
        "total_amount": int(treated.aggregate(s=Sum("total_amount"))["s"] or 0),
        "by_channel": by_channel,
        "delivered": delivered,
        "read": read,
        "delivery_rate": _ratio(delivered, n_t),
        "read_rate": _ratio(read, n_t),
        "paper": paper,
        "mobile": mobile,
        "paid_count": paid["count"],
        "paid_amount": paid["amount"],
        "paid_within": {k: paid_within(groups[False], w) for k, w in WINDOWS.items()},
        "paid_rate": _ratio(paid["count"], n_t),
        "control_paid_count": control_paid["count"],
        "control_paid_amount": control_paid["amount"],
        "control_paid_rate": _ratio(control_paid["count"], n_c) if n_c else None,
        "control_paid_within": {k: paid_within(groups[True], w) for k, w in WINDOWS.items()},
        "uplift": uplift,
        "cost": cost,
        "paper_cost": paper_cost,
        "saving": paper_cost - cost,
        "year_before": _year_before(jurisdiction, window),
        **_assistance(treated),
    }
    report["seed_table"] = _seed_table(notices, report)
    return report


def _assistance(treated: QuerySet[Notice]) -> dict[str, int]:
    """What the citizens who could not pay in full asked for from these notices' pages (jingsu.assistance):
    분할 납부 requested and approved (a plan approved and later completed or cancelled was approved), 상담 요청."""
    from jingsu.assistance.models import CallbackRequest, InstallmentPlan

    plans = InstallmentPlan.objects.filter(notice__in=treated)
    approved = (InstallmentPlan.Status.APPROVED, InstallmentPlan.Status.COMPLETED, InstallmentPlan.Status.CANCELLED)
    return {
        "installments_requested": plans.count(),
        "installments_approved": plans.filter(status__in=approved).count(),
        "callbacks_requested": CallbackRequest.objects.filter(notice__in=treated).count(),
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _window(firsts: Any) -> tuple[datetime, datetime] | None:
    firsts = [f for f in firsts if f is not None]
    if not firsts:
        return None
    start = min(firsts)
    return start, max(firsts) + WINDOWS["30d"]


def _uplift(treated: list[tuple[Any, Any, int]], control: list[tuple[Any, Any, int]]) -> dict[str, Any] | None:
    """Treated against control: rate difference (Newcombe) and extra money (Welch), 95 %."""
    n1, n2 = len(treated), len(control)
    if n1 == 0 or n2 == 0:
        return None
    x1 = sum(1 for _, paid_at, _a in treated if paid_at is not None)
    x2 = sum(1 for _, paid_at, _a in control if paid_at is not None)
    d, low, high = newcombe(x1, n1, x2, n2)
    m1, v1 = mean_var([a for _, _p, a in treated])
    m2, v2 = mean_var([a for _, _p, a in control])
    diff = m1 - m2
    se = math.sqrt(v1 / n1 + v2 / n2)
    return {
        "rate_treated": round(x1 / n1, 4),
        "rate_control": round(x2 / n2, 4),
        "difference": round(d, 4),
        "interval": [round(low, 4), round(high, 4)],
        "confidence": 0.95,
        "method": "Newcombe hybrid score (rate); Welch normal interval (amount per notice)",
        "extra_payers": round(d * n1),
        "extra_payers_interval": [round(low * n1), round(high * n1)],
        "extra_amount": int(round(diff * n1)),
        "extra_amount_interval": [int(round((diff - Z95 * se) * n1)), int(round((diff + Z95 * se) * n1))],
    }


def _year_before(jurisdiction: str, window: tuple[datetime, datetime] | None) -> dict[str, Any] | None:
    if window is None:
        return None
    start, end = window
    then_start, then_end = _minus_year(start), _minus_year(end)

    def collected(a: datetime, b: datetime) -> dict[str, int]:
        agg = Payment.objects.filter(jurisdiction_id=jurisdiction, received_at__gte=a, received_at__lt=b).aggregate(
            count=Count("id"), amount=Sum("amount"))
        return {"count": int(agg["count"] or 0), "amount": int(agg["amount"] or 0)}

    now, before = collected(start, end), collected(then_start, then_end)
    return {
        "window": [start.astimezone(SEOUL).date().isoformat(), end.astimezone(SEOUL).date().isoformat()],
        "this_year": now,
        "year_before": before,
        "change": now["amount"] - before["amount"],
    }


def _minus_year(t: datetime) -> datetime:
    try:
        return t.replace(year=t.year - 1)
    except ValueError:  # 29 February
        return t.replace(year=t.year - 1, day=28)


def _seed_table(notices: QuerySet[Notice], report: dict[str, Any]) -> list[dict[str, Any]]:
    """The seed's table: per year of the campaigns' 기준일, 세입 확대 (measured uplift) and 연간 절감 비용.

    A single campaign or a one-year period gives one row; a longer period gives a row per year (each year's uplift
    measured within that year's notices) and a total row.
    """
    years = sorted({d.year for d in notices.values_list("campaign__as_of", flat=True).distinct()})
    if len(years) <= 1:
        rows = [_seed_row(years[0] if years else None, report)]
    else:
        rows = []
        for y in years:
            part = _measure(notices.filter(campaign__as_of__year=y), jurisdiction=report["jurisdiction"])
            rows.append(_seed_row(y, part))
    total = {
        "year": "합계",
        "notices": sum(r["notices"] for r in rows),
        "mobile": sum(r["mobile"] for r in rows),
        "revenue_gain": None if any(r["revenue_gain"] is None for r in rows)
        else sum(r["revenue_gain"] for r in rows),
        "saving": sum(r["saving"] for r in rows),
    }
    return [*rows, total]


def _seed_row(year: int | None, r: dict[str, Any]) -> dict[str, Any]:
    up = r["uplift"]
    return {
        "year": year,
        "notices": r["notices"],
        "mobile": r["mobile"],
        "revenue_gain": None if up is None else up["extra_amount"],
        "revenue_gain_interval": None if up is None else up["extra_amount_interval"],
        "saving": r["saving"],
    }


def parse_period(text: str) -> tuple[date, date]:
    """'2026-01-01..2026-12-31' → (start, end); a Korean error names the parameter."""
    try:
        a, b = text.split("..")
        start, end = date.fromisoformat(a.strip()), date.fromisoformat(b.strip())
    except ValueError:
        raise ValueError("--period는 시작일..종료일 형식이어야 합니다 (예: 2026-01-01..2026-12-31).") from None
    if end < start:
        raise ValueError("--period의 종료일이 시작일보다 앞섭니다.")
    return start, end



# --- rendering -------------------------------------------------------------------------------------------------------


CHANNEL_LABEL = {c.value: c.label for c in Channel}


def render_html(effects: dict[str, Any]) -> str:
    """A self-contained HTML page (inline SVG charts, no external requests)."""
    e = effects
    rows = "".join(
        f"<tr><th>{html.escape(CHANNEL_LABEL[ch])}</th><td>{v['attempts']:,}</td><td>{v['sent']:,}</td>"
        f"<td>{v['delivered']:,}</td><td>{v['read']:,}</td><td>{v['rejected']:,}</td><td>{won(v['cost'])}</td></tr>"
        for ch, v in e["by_channel"].items()
    )
    pw, cpw = e["paid_within"], e["control_paid_within"]
    up = e["uplift"]
    if up is None:
        uplift_rows = '<tr><th>대조군 대비 증가</th><td>대조군이 없어 측정할 수 없습니다</td></tr>'
    else:
        lo, hi = up["interval"]
        alo, ahi = up["extra_amount_interval"]
        uplift_rows = (
            f"<tr><th>납부율 (발송군 / 대조군)</th><td>{pct(up['rate_treated'])} / {pct(up['rate_control'])}</td></tr>"
            f"<tr><th>납부율 차이 (95% 신뢰구간)</th><td>{up['difference'] * 100:+.1f}%p "
            f"({lo * 100:+.1f} ~ {hi * 100:+.1f}%p)</td></tr>"
            f"<tr><th>추가 납부자 (95% 신뢰구간)</th><td>{up['extra_payers']:,}명 "
            f"({up['extra_payers_interval'][0]:,} ~ {up['extra_payers_interval'][1]:,})</td></tr>"
            f"<tr><th>세입 확대 (95% 신뢰구간)</th><td>{won(up['extra_amount'])} ({won(alo)} ~ {won(ahi)})</td></tr>"
        )
    yb = e["year_before"]
    year_rows = "" if yb is None else (
        f"<tr><th>같은 기간 수납 ({yb['window'][0]} ~ {yb['window'][1]})</th>"
        f"<td>{yb['this_year']['count']:,}건 · {won(yb['this_year']['amount'])}</td></tr>"
        f"<tr><th>1년 전 같은 기간 수납</th><td>{yb['year_before']['count']:,}건 · "
        f"{won(yb['year_before']['amount'])}</td></tr>"
    )
    seed_rows = "".join(
        f"<tr><th>{r['year'] if r['year'] is not None else '-'}</th><td>{r['notices']:,}</td><td>{r['mobile']:,}</td>"
        f"<td>{'측정 불가' if r['revenue_gain'] is None else won(r['revenue_gain'])}</td><td>{won(r['saving'])}</td></tr>"
        for r in e["seed_table"]
    )
    charts = (
        _bar_chart("채널별 발송 건수", [(CHANNEL_LABEL[ch], v["sent"]) for ch, v in e["by_channel"].items()])
        + _bar_chart("기간별 납부 건수 (발송군)", [("3시간 안", pw["3h"]["count"]), ("3일 안", pw["3d"]["count"]),
                                          ("30일 안", pw["30d"]["count"])])
        + (_rate_chart(up) if up is not None else "")
    )
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>발송 효과 보고서 — {html.escape(e['name'])}</title>
<style>
body{{font-family:"Pretendard","Noto Sans KR","NanumGothic",sans-serif;margin:2rem;color:#1e2124;max-width:60rem}}
table{{border-collapse:collapse;margin:1rem 0}}th,td{{border:1px solid #cdd1d5;padding:.4rem .8rem;text-align:right}}
th{{background:#f4f5f6;text-align:left}}h1{{font-size:1.6rem}}.lead{{font-size:1.1rem}}svg{{display:block;margin:1rem 0}}
</style></head><body>
<h1>발송 효과 보고서</h1>
<p class="lead">{html.escape(e['name'])} · 기준일 {e['as_of']} · 자치단체 {e['jurisdiction']}</p>
<table>
<tr><th>안내 대상(대조군 제외)</th><td>{e['notices']:,}건</td></tr>
<tr><th>대조군(미발송)</th><td>{e['control_group']:,}건</td></tr>
<tr><th>안내 금액</th><td>{won(e['total_amount'])}</td></tr>
<tr><th>송달률 (도달)</th><td>{pct(e['delivery_rate'])} · {e['delivered']:,}건</td></tr>
<tr><th>열람률</th><td>{pct(e['read_rate'])} · {e['read']:,}건</td></tr>
<tr><th>모바일 도달 / 종이 발송</th><td>{e['mobile']:,}건 / {e['paper']:,}건</td></tr>
<tr><th>납부</th><td>{e['paid_count']:,}건 · {won(e['paid_amount'])}</td></tr>
<tr><th>분할 납부 요청 / 승인</th><td>{e['installments_requested']:,}건 / {e['installments_approved']:,}건</td></tr>
<tr><th>상담 요청</th><td>{e['callbacks_requested']:,}건</td></tr>
<tr><th>3시간 / 3일 / 30일 안에 납부</th><td>{pw['3h']['count']:,} / {pw['3d']['count']:,} / {pw['30d']['count']:,}건
 · {won(pw['3h']['amount'])} / {won(pw['3d']['amount'])} / {won(pw['30d']['amount'])}</td></tr>
<tr><th>대조군 3시간 / 3일 / 30일 안에 납부</th><td>{cpw['3h']['count']:,} / {cpw['3d']['count']:,} /
 {cpw['30d']['count']:,}건</td></tr>
{uplift_rows}
{year_rows}
<tr><th>발송 비용</th><td>{won(e['cost'])}</td></tr>
<tr><th>전부 종이로 보냈을 때</th><td>{won(e['paper_cost'])}</td></tr>
<tr><th>절감액</th><td>{won(e['saving'])}</td></tr>
</table>
<h2>채널별</h2>
<table><tr><th>채널</th><th>시도</th><th>발송</th><th>도달</th><th>열람</th><th>실패·불가</th><th>비용</th></tr>{rows}</table>
<h2>연도별 성과</h2>
<table><tr><th>연도</th><th>안내</th><th>모바일 도달</th><th>세입 확대</th><th>연간 절감 비용</th></tr>{seed_rows}</table>
{_experiments_html(e.get("experiments") or [])}{charts}
</body></html>
"""


def _experiments_html(rows: list[dict[str, Any]]) -> str:
    """The period's experiments ("지난 실험과 결과"); nothing at all when there were none."""
    if not rows:
        return ""
    body = "".join(
        f"<tr><th>{html.escape(r['name'])}</th><td>{kdate(date.fromisoformat(r['campaign_as_of']))}</td>"
        f"<td style=\"text-align:left\">{html.escape(r['hypothesis'])}</td><td>{html.escape(r['outcome_label'])}</td>"
        f"<td>{html.escape(_experiment_groups(r))}</td>"
        f"<td style=\"text-align:left\">{'<br>'.join(html.escape(v) for v in r['verdicts'])}</td>"
        f"<td>{_experiment_state(r)}</td></tr>"
        for r in rows
    )
    return ("<h2>지난 실험과 결과</h2><table><tr><th>캠페인</th><th>기준일</th><th>가설</th><th>주요 결과 지표</th>"
            f"<th>비교군 (안내문 수)</th><th>결과</th><th>관찰</th></tr>{body}</table>\n")


def _experiment_groups(r: dict[str, Any]) -> str:
    return ", ".join(f"{g['label']} {g['n']:,}건" for g in r["groups"])


def _experiment_state(r: dict[str, Any]) -> str:
    if not r["started"]:
        return "발송 전"
    return "완료" if r["complete"] else "진행 중 (잠정)"


def _bar_chart(title: str, items: list[tuple[str, int]]) -> str:
    top = max((v for _, v in items), default=0) or 1
    height = 28 * len(items) + 10
    parts = []
    for i, (label, value) in enumerate(items):
        width = int(360 * value / top)
        y = 10 + i * 28
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13">{html.escape(label)}</text>'
            f'<rect x="150" y="{y}" width="{width}" height="18" fill="#256ef4"/>'
            f'<text x="{156 + width}" y="{y + 14}" font-size="13">{value:,}</text>'
        )
    return (f'<svg role="img" aria-label="{html.escape(title)}" width="600" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>{"".join(parts)}</svg>')


def _rate_chart(up: dict[str, Any]) -> str:
    """Payment rates of the two groups, the treated bar with the interval of the difference added to the control."""
    scale = 360 / max(up["rate_treated"], up["rate_control"], up["rate_control"] + up["interval"][1], 0.01)
    t, c = up["rate_treated"] * scale, up["rate_control"] * scale
    lo = (up["rate_control"] + up["interval"][0]) * scale
    hi = (up["rate_control"] + up["interval"][1]) * scale
    return (
        '<svg role="img" aria-label="납부율: 발송군과 대조군" width="600" height="80" '
        'xmlns="http://www.w3.org/2000/svg"><title>납부율: 발송군과 대조군 (95% 신뢰구간)</title>'
        f'<text x="0" y="24" font-size="13">발송군</text><rect x="150" y="10" width="{t:.0f}" height="18" fill="#256ef4"/>'
        f'<line x1="{150 + lo:.0f}" y1="19" x2="{150 + hi:.0f}" y2="19" stroke="#1e2124" stroke-width="2"/>'
        f'<text x="{160 + max(t, hi):.0f}" y="24" font-size="13">{pct(up["rate_treated"])}</text>'
        f'<text x="0" y="62" font-size="13">대조군</text><rect x="150" y="48" width="{c:.0f}" height="18" fill="#8a949e"/>'
        f'<text x="{156 + c:.0f}" y="62" font-size="13">{pct(up["rate_control"])}</text></svg>'
    )


def render_xlsx(effects: dict[str, Any]) -> bytes:
    """The same figures as a workbook: 요약, 채널별, 연도별. Every cell's number format is set by what it holds
    (XLSX_FORMATS): 1,234 for counts and won, 99.77% for rates (stored as fractions), 2026 for years."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from jingsu.core.exports import xlsx_append

    e = effects
    wb = Workbook()
    ws = wb.active
    ws.title = "요약"
    up = e["uplift"] or {}
    interval = up.get("interval") or [None, None]
    extra_interval = up.get("extra_amount_interval") or [None, None]
    j = Jurisdiction.objects.filter(code=e["jurisdiction"]).first()
    summary: list[tuple[str, Any, str]] = [
        ("보고서", e["name"], "text"), ("자치단체", f"{j.name} ({j.code})" if j else e["jurisdiction"], "text"),
        ("기준일", e["as_of"], "text"),
        ("안내 대상(대조군 제외)", e["notices"], "count"), ("대조군", e["control_group"], "count"),
        ("안내 금액(원)", e["total_amount"], "amount"),
        ("도달", e["delivered"], "count"), ("송달률", e["delivery_rate"], "rate"), ("열람", e["read"], "count"),
        ("열람률", e["read_rate"], "rate"), ("모바일 도달", e["mobile"], "count"), ("종이 발송", e["paper"], "count"),
        ("납부 건수", e["paid_count"], "count"), ("납부 금액(원)", e["paid_amount"], "amount"),
        *[(f"{WINDOW_LABELS[k]} 안 납부 건수", v["count"], "count") for k, v in e["paid_within"].items()],
        *[(f"{WINDOW_LABELS[k]} 안 납부 금액(원)", v["amount"], "amount") for k, v in e["paid_within"].items()],
        ("대조군 납부 건수", e["control_paid_count"], "count"), ("대조군 납부율", e["control_paid_rate"], "rate"),
        ("납부율 차이", up.get("difference"), "rate"), ("납부율 차이 하한(95%)", interval[0], "rate"),
        ("납부율 차이 상한(95%)", interval[1], "rate"),
        ("세입 확대(원)", up.get("extra_amount"), "amount"),
        ("세입 확대 하한(원)", extra_interval[0], "amount"), ("세입 확대 상한(원)", extra_interval[1], "amount"),
        ("분할 납부 요청", e["installments_requested"], "count"),
        ("분할 납부 승인", e["installments_approved"], "count"),
        ("상담 요청", e["callbacks_requested"], "count"),
        ("발송 비용(원)", e["cost"], "amount"), ("전부 종이 비용(원)", e["paper_cost"], "amount"),
        ("절감액(원)", e["saving"], "amount"),
    ]
    if e["year_before"]:
        summary += [("같은 기간 수납(원)", e["year_before"]["this_year"]["amount"], "amount"),
                    ("1년 전 같은 기간 수납(원)", e["year_before"]["year_before"]["amount"], "amount")]
    xlsx_label_rows(ws, summary, widths=(28, 22))
    ch = wb.create_sheet("채널별")
    xlsx_append(ch, ["채널", "시도", "발송", "도달", "열람", "실패·불가", "비용(원)"])
    for key, v in e["by_channel"].items():
        xlsx_append(ch, [CHANNEL_LABEL[key], v["attempts"], v["sent"], v["delivered"], v["read"], v["rejected"], v["cost"]])
    yr = wb.create_sheet("연도별")
    xlsx_append(yr, ["연도", "안내", "모바일 도달", "세입 확대(원)", "연간 절감 비용(원)"])
    for r in e["seed_table"]:
        xlsx_append(yr, [r["year"], r["notices"], r["mobile"], r["revenue_gain"], r["saving"]])
    column_kinds = {ch.title: ["text", "count", "count", "count", "count", "count", "amount"],
                    yr.title: ["year", "count", "count", "amount", "amount"]}
    sheets = [ws, ch, yr]
    if e.get("experiments"):
        ex = wb.create_sheet("지난 실험")
        xlsx_append(ex, ["캠페인", "기준일", "가설", "주요 결과 지표", "비교군 (안내문 수)", "결과", "관찰"])
        for r in e["experiments"]:
            xlsx_append(ex, [r["name"], kdate(date.fromisoformat(r["campaign_as_of"])), r["hypothesis"],
                             r["outcome_label"], _experiment_groups(r), "\n".join(r["verdicts"]), _experiment_state(r)])
        column_kinds[ex.title] = ["text"] * 7
        sheets.append(ex)
    for sheet in sheets[1:]:
        for row in sheet.iter_rows(min_row=2):
            for cell, kind in zip(row, column_kinds[sheet.title], strict=False):
                cell.number_format = XLSX_FORMATS[kind]
    for sheet in sheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
