"""Which notice a payment is counted for: the one attribution rule (docs/reports.md, "Attributing payments").

A payment is allocated to levies (`Allocation`; the refund part of an overpayment is no levy's money and counts for
no notice). Each allocation counts for **at most one notice**:

- the candidates are the notices that carry the allocation's levy (any campaign, control group included);
- a notice is *received* at its first send (the first attempt handed to a channel); a control-group notice, never
  sent, at its campaign's first send (what the report has always timed control notices from);
- the allocation counts for the candidate received most recently at or before the payment's `received_at`, if the
  payment came within `WINDOW` of that moment; otherwise for none (money that came in on its own).
  Ties (two notices received at the same moment) go to the later notice (higher id).

So a levy on two campaigns' notices, paid once, counts once: for the notice that was in front of the taxpayer when
they paid. Every sum over notices (a campaign, a period, a year row, the dashboard, the XLSX) is a sum over distinct
allocations and never counts a won twice.

`credits(notices)` applies the rule for the reports (from the records, every time); `refresh_notices(levies)` keeps
`Notice.paid_amount` / `Notice.paid_at` (shown on the taxpayer page) equal to it when a payment is allocated.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Min, QuerySet

from jingsu.delivery.models import DeliveryAttempt
from jingsu.notices.models import Notice, NoticeLine

#: How long after a notice is received a payment still counts for it: the report's longest window ("paid within
#: 30 days"; Seoul's pilot measured payment "within the month").
WINDOW = timedelta(days=30)


@dataclass
class Credit:
    amount: int = 0  # won attributed to the notice
    first_paid_at: datetime | None = None  # the earliest payment attributed to it


def credits(notices: QuerySet[Notice]) -> dict[int, Credit]:
    """notice id → the money attributed to it by the rule (only notices with some money appear)."""
    from jingsu.payments.models import Allocation

    levy_ids = NoticeLine.objects.filter(notice__in=notices).values("levy_id")
    wanted = set(notices.values_list("pk", flat=True))
    if not wanted:
        return {}
    received = _received(NoticeLine.objects.filter(levy_id__in=levy_ids))
    out: dict[int, Credit] = {}
    allocations = (Allocation.objects.filter(levy_id__in=levy_ids).exclude(head=Allocation.Head.REFUND)
                   .values_list("levy_id", "amount", "payment__received_at"))
    for levy_id, amount, paid_at in allocations.iterator(chunk_size=5000):
        notice_id = _winner(received.get(levy_id, ([], [])), paid_at)
        if notice_id is None or notice_id not in wanted:
            continue
        c = out.setdefault(notice_id, Credit())
        c.amount += amount
        if c.first_paid_at is None or paid_at < c.first_paid_at:
            c.first_paid_at = paid_at
    return out


def _received(lines: QuerySet[NoticeLine]) -> dict[int, tuple[list[tuple[datetime, int]], list[datetime]]]:
    """levy id → its notices as (received at, notice id), sorted, and the times alone (for bisect). Notices never
    received (not sent, or control notices of a campaign that sent nothing) are left out."""
    rows = list(lines.values_list("levy_id", "notice_id", "notice__campaign_id", "notice__control_group"))
    notice_ids = {r[1] for r in rows if not r[3]}
    control_campaigns = {r[2] for r in rows if r[3]}  # only these need their campaign's first send
    first_sent = dict(DeliveryAttempt.objects.filter(notice_id__in=notice_ids, sent_at__isnull=False)
                      .values("notice_id").annotate(first=Min("sent_at")).values_list("notice_id", "first"))
    campaign_first = dict(DeliveryAttempt.objects.filter(notice__campaign_id__in=control_campaigns,
                                                         sent_at__isnull=False)
                          .values("notice__campaign_id").annotate(first=Min("sent_at"))
                          .values_list("notice__campaign_id", "first")) if control_campaigns else {}
    by_levy: dict[int, list[tuple[datetime, int]]] = {}
    for levy_id, notice_id, campaign_id, control in rows:
        at = campaign_first.get(campaign_id) if control else first_sent.get(notice_id)
        if at is not None:
            by_levy.setdefault(levy_id, []).append((at, notice_id))
    out = {}
    for levy_id, items in by_levy.items():
        items.sort()
        out[levy_id] = (items, [at for at, _ in items])
    return out


def _winner(candidates: tuple[list[tuple[datetime, int]], list[datetime]], paid_at: datetime) -> int | None:
    items, times = candidates
    i = bisect_right(times, paid_at)
    if i == 0:
        return None  # paid before any notice carrying the levy was received
    at, notice_id = items[i - 1]
    return notice_id if paid_at - at <= WINDOW else None


def refresh_notices(levies: Iterable[Any]) -> None:
    """Recompute `paid_amount` and `paid_at` of every notice carrying these levies from the rule (idempotent).
    Call inside the transaction that allocated the payment."""
    ids = [getattr(lv, "pk", lv) for lv in levies]
    notices = Notice.objects.filter(lines__levy_id__in=ids).distinct()
    by_notice = credits(notices)
    for notice in Notice.objects.select_for_update().filter(pk__in=notices.values("pk")):
        c = by_notice.get(notice.pk, Credit())
        if (notice.paid_amount, notice.paid_at) != (c.amount, c.first_paid_at):
            notice.paid_amount, notice.paid_at = c.amount, c.first_paid_at
            notice.save(update_fields=["paid_amount", "paid_at"])
