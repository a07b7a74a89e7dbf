"""납부확인서: the paper a citizen downloads from the portal once a notice is paid in full (docs/portal.md).

It confirms, from the records, what was paid on each levy of the notice and when: the allocations of the payments
to those levies (net of any reversal; the refund part of an overpayment is not a payment of the levy), by payment,
with the office that issues it (its current name, team and phone). It is not the 납세증명서 of the 지방세징수법,
and says so. Rendered like the notices (self-contained HTML → WeasyPrint, NanumGothic).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Sum
from django.template.loader import render_to_string

from jingsu.clock import SEOUL
from jingsu.core.formats import kdate, won
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.notices.documents import html_to_pdf
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments.models import Allocation, channel_label


def receipt_context(notice: Notice, now: datetime) -> dict[str, Any]:
    lines = list(NoticeLine.objects.filter(notice=notice).select_related("levy").order_by("levy__tax_number"))
    levy_ids = [ln.levy_id for ln in lines]
    allocations = (Allocation.objects.filter(levy_id__in=levy_ids).exclude(head=Allocation.Head.REFUND)
                   .values("levy_id", "payment_id", "payment__received_at", "payment__channel")
                   .annotate(amount=Sum("amount")).order_by("payment__received_at", "payment_id"))
    by_levy: dict[int, int] = defaultdict(int)
    last_paid: dict[int, datetime] = {}
    payments: dict[int, dict[str, Any]] = {}
    for a in allocations:
        if not a["amount"]:
            continue  # a match undone by a reversal
        by_levy[a["levy_id"]] += a["amount"]
        last_paid[a["levy_id"]] = a["payment__received_at"]
        p = payments.setdefault(a["payment_id"], {"at": a["payment__received_at"], "channel": a["payment__channel"],
                                                  "amount": 0})
        p["amount"] += a["amount"]
    sender = notice.jurisdiction.sender
    rows = []
    for ln in lines:
        lv = ln.levy
        item = TAX_ITEMS.get(lv.tax_item)
        rows.append({
            "tax_number": lv.tax_number, "tax_item": item.name if item else lv.get_tax_item_display(),
            "tax_year": lv.tax_year, "period": lv.period, "payment_number": ln.payment_number,
            "paid": won(by_levy.get(lv.pk, 0)),
            "paid_on": kdate(last_paid[lv.pk].astimezone(SEOUL)) if lv.pk in last_paid else "",
        })
    return {
        "title": "납부확인서",
        "office": {"name": sender.name, "phone": sender.phone, "contact": sender.contact},
        "taxpayer": {"name": notice.taxpayer.name, "registration_masked": notice.taxpayer.registration_masked},
        "reference": notice.reference,
        "document": notice.campaign.get_kind_display(),
        "lines": rows,
        "payments": [{"at": kdate(p["at"].astimezone(SEOUL)), "time": f"{p['at'].astimezone(SEOUL):%H:%M}",
                      "channel": channel_label(p["channel"]), "amount": won(p["amount"])}
                     for p in payments.values() if p["amount"]],
        "total": won(sum(by_levy.values())),
        "issued_on": kdate(now.astimezone(SEOUL)),
    }


def render_receipt_html(notice: Notice, now: datetime) -> str:
    return render_to_string("portal/receipt.html", receipt_context(notice, now))


def render_receipt_pdf(notice: Notice, now: datetime) -> bytes:
    return html_to_pdf(render_receipt_html(notice, now))
