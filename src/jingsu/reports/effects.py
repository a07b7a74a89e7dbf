"""What a campaign achieved, measured from the records: notices by channel, delivered, read, paid, cost against an
all-paper mailing. Every figure is a count or a sum over rows; nothing is estimated here."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, Sum

from jingsu.delivery.costs import UNIT_COST
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Campaign, Notice

SENT = (AttemptStatus.ACCEPTED, AttemptStatus.DELIVERED, AttemptStatus.READ, AttemptStatus.EXPIRED,
        AttemptStatus.FAILED)


def campaign_effects(campaign: Campaign) -> dict[str, Any]:
    notices = Notice.objects.filter(campaign=campaign)
    treated = notices.filter(control_group=False)
    control = notices.filter(control_group=True)
    attempts = DeliveryAttempt.objects.filter(notice__campaign=campaign)

    by_channel: dict[str, dict[str, int]] = {}
    for channel in Channel:
        rows = attempts.filter(channel=channel)
        agg = rows.aggregate(
            attempts=Count("id"),
            sent=Count("id", filter=Q(status__in=SENT)),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            read=Count("id", filter=Q(status=AttemptStatus.READ)),
            rejected=Count("id", filter=Q(status__in=(AttemptStatus.REJECTED, AttemptStatus.FAILED))),
            cost=Sum("cost", filter=Q(status__in=SENT)),
        )
        by_channel[channel.value] = {k: int(v or 0) for k, v in agg.items()}

    def paid_within(qs: Any, hours: int | None) -> dict[str, int]:
        rows = qs.filter(paid_at__isnull=False)
        if hours is not None:
            # paid within `hours` of the notice's first send
            ids = []
            for n_id, paid_at in rows.values_list("id", "paid_at"):
                first = (DeliveryAttempt.objects.filter(notice_id=n_id, sent_at__isnull=False)
                         .order_by("sent_at").values_list("sent_at", flat=True).first())
                if first is not None and paid_at - first <= timedelta(hours=hours):
                    ids.append(n_id)
            rows = rows.filter(id__in=ids)
        agg = rows.aggregate(count=Count("id"), amount=Sum("paid_amount"))
        return {"count": int(agg["count"] or 0), "amount": int(agg["amount"] or 0)}

    treated_count = treated.count()
    control_count = control.count()
    cost = sum(c["cost"] for c in by_channel.values())
    paper_cost = treated_count * UNIT_COST[Channel.PAPER]
    paid = paid_within(treated, None)
    control_paid = paid_within(control, None)
    rate = paid["count"] / treated_count if treated_count else 0.0
    control_rate = control_paid["count"] / control_count if control_count else None
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "jurisdiction": campaign.jurisdiction_id,
        "as_of": campaign.as_of.isoformat(),
        "notices": treated_count,
        "control_group": control_count,
        "total_amount": int(treated.aggregate(s=Sum("total_amount"))["s"] or 0),
        "by_channel": by_channel,
        "delivered": treated.filter(delivered_at__isnull=False).count(),
        "read": treated.filter(read_at__isnull=False).count(),
        "paper": treated.filter(attempts__channel=Channel.PAPER, attempts__status__in=SENT).distinct().count(),
        "paid_count": paid["count"],
        "paid_amount": paid["amount"],
        "paid_within": {"3h": paid_within(treated, 3), "3d": paid_within(treated, 72), "30d": paid_within(treated, 720)},
        "paid_rate": round(rate, 4),
        "control_paid_count": control_paid["count"],
        "control_paid_rate": None if control_rate is None else round(control_rate, 4),
        "cost": cost,
        "paper_cost": paper_cost,
        "saving": paper_cost - cost,
    }


def won(amount: int) -> str:
    return f"{amount:,}원"


CHANNEL_LABEL = {c.value: c.label for c in Channel}


def render_html(effects: dict[str, Any]) -> str:
    """A self-contained HTML page (no external requests)."""
    e = effects
    rows = "".join(
        f"<tr><th>{html.escape(CHANNEL_LABEL[ch])}</th><td>{v['attempts']:,}</td><td>{v['sent']:,}</td>"
        f"<td>{v['delivered']:,}</td><td>{v['read']:,}</td><td>{v['rejected']:,}</td><td>{won(v['cost'])}</td></tr>"
        for ch, v in e["by_channel"].items()
    )
    bars = _bar_chart([(CHANNEL_LABEL[ch], v["sent"]) for ch, v in e["by_channel"].items()])
    pw = e["paid_within"]
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>발송 효과 보고서 — {html.escape(e['name'])}</title>
<style>
body{{font-family:"Pretendard","Noto Sans KR","NanumGothic",sans-serif;margin:2rem;color:#1e2124;max-width:60rem}}
table{{border-collapse:collapse;margin:1rem 0}}th,td{{border:1px solid #cdd1d5;padding:.4rem .8rem;text-align:right}}
th{{background:#f4f5f6;text-align:left}}h1{{font-size:1.6rem}}.lead{{font-size:1.1rem}}
</style></head><body>
<h1>발송 효과 보고서</h1>
<p class="lead">{html.escape(e['name'])} · 기준일 {e['as_of']} · 자치단체 {e['jurisdiction']}</p>
<table>
<tr><th>안내 대상(대조군 제외)</th><td>{e['notices']:,}건</td></tr>
<tr><th>대조군(미발송)</th><td>{e['control_group']:,}건</td></tr>
<tr><th>안내 금액</th><td>{won(e['total_amount'])}</td></tr>
<tr><th>도달</th><td>{e['delivered']:,}건</td></tr>
<tr><th>열람</th><td>{e['read']:,}건</td></tr>
<tr><th>종이 발송</th><td>{e['paper']:,}건</td></tr>
<tr><th>납부</th><td>{e['paid_count']:,}건 · {won(e['paid_amount'])}</td></tr>
<tr><th>3시간 / 3일 / 30일 안에 납부</th><td>{pw['3h']['count']:,} / {pw['3d']['count']:,} / {pw['30d']['count']:,}건</td></tr>
<tr><th>납부율 (발송군 / 대조군)</th><td>{e['paid_rate']:.1%} / {'-' if e['control_paid_rate'] is None else f"{e['control_paid_rate']:.1%}"}</td></tr>
<tr><th>발송 비용</th><td>{won(e['cost'])}</td></tr>
<tr><th>전부 종이로 보냈을 때</th><td>{won(e['paper_cost'])}</td></tr>
<tr><th>절감액</th><td>{won(e['saving'])}</td></tr>
</table>
<h2>채널별</h2>
<table><tr><th>채널</th><th>시도</th><th>발송</th><th>도달</th><th>열람</th><th>실패·불가</th><th>비용</th></tr>{rows}</table>
{bars}
</body></html>
"""


def _bar_chart(items: list[tuple[str, int]]) -> str:
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
    return (f'<svg role="img" aria-label="채널별 발송 건수" width="600" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
