"""The record read into `jingsu.law.enforcement.Facts`: a taxpayer's levies (what each owes on the date judged, the
one definition `Levy.owed`), the payments allocated to them, and what the office recorded (`recorded`).

The law decides; this module only translates. Two readers, one translation:

- `facts_for(taxpayer, as_of, recorded=…)`: one taxpayer (the cases);
- `facts_by_taxpayer(jurisdiction, as_of)`: every taxpayer of a jurisdiction with an open levy whose 납부기한 has
  passed (the worklist) — a fixed number of queries whatever the size (levies, allocations, 독촉장, 분할 납부), one
  `LevyPenalties` for the run. For the same taxpayer both give equal `Facts`.

What the record tells, per levy:

- ``amount``: `Levy.owed(as_of)` with the law's penalty for that day; levies 취소 are left out, so are levies whose
  납부기한 is after `as_of`. The levy's status and paid amounts are the record's current ones (the record keeps no
  history of them), so an `as_of` in the past reads today's payments against that day's penalty.
- ``demand_due_date`` (독촉장의 납부기한): the 납부기한 a 독촉장 printed — `Campaign.pay_by` of a campaign of kind
  `Campaign.Kind.DEMAND` (notices.models; the document prints it, notices.documents) — for a notice that carried the
  levy (a `NoticeLine`) and went out: 도달, 열람 or 종이 발송, the move recorded (`NoticeEvent`) on or before
  `as_of`. When several 독촉장 carried a levy, the earliest 납부기한 counts (the first 독촉 starts the period of
  지방세징수법 제33조①1호); a 납부기한 not after the levy's own is ignored (the law refuses it).
- ``installment`` (징수유예·분할 납부 in good standing): a levy carried by a notice with an approved 분할 납부 plan
  (`jingsu.assistance.InstallmentPlan`, 승인 on or before `as_of`) whose installments due before `as_of` were all
  paid by then; a plan with a missed installment is not in good standing, nor one approved after `as_of`. A levy
  no plan carries keeps its status: 징수유예 or 분할납부 (e.g. from the roll) counts.
- ``appeal_pending``: the levy's status 불복 (`Levy.Status.APPEAL`).
- ``vehicle``: 자동차세's 과세대상 (the car's 등록번호 as the roll gives it).

A fact the record does not hold (a licensed business, a 시행령 제15조① case, a 명단공개 통지일 …) comes in through
`recorded`, keyed by the `Facts` field name: the cases keep them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Min, Q, QuerySet

from jingsu.assistance.models import Installment, InstallmentPlan
from jingsu.clock import SEOUL
from jingsu.law import enforcement as law
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.payments.models import Allocation
from jingsu.taxpayers.models import Taxpayer

#: levy statuses that stop 체납처분 or leave a levy out of the 제9조·제11조 sums (when no 분할 납부 plan carries it)
_INSTALLMENT = (Levy.Status.DEFERRED, Levy.Status.INSTALLMENT)
#: a notice that went out: 도달, 열람, 종이 발송
SENT = (Notice.Status.DELIVERED, Notice.Status.READ, Notice.Status.PAPER)


def _end_of(day: date) -> datetime:
    """The first moment after `day` in Seoul (records up to `day` are those before it)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SEOUL)


def _law_levy(levy: Levy, as_of: date, penalties: LevyPenalties, *, demand_due: date | None,
              installment: bool | None) -> law.Levy:
    return law.Levy(
        id=levy.tax_number,
        tax_item=levy.tax_item,
        amount=levy.owed(as_of, penalties=penalties).total,
        due_date=levy.due_date,
        demand_due_date=demand_due,
        appeal_pending=levy.status == Levy.Status.APPEAL,
        installment=levy.status in _INSTALLMENT if installment is None else installment,
        vehicle=(levy.object_description or None) if levy.tax_item == law.VEHICLE_TAX else None,
    )


def demand_due_dates(levies: QuerySet[Levy], as_of: date) -> dict[int, date]:
    """levy id → the earliest 독촉장 납부기한 of a 독촉장 that carried it and went out by `as_of` (one query)."""
    rows = (NoticeLine.objects.filter(levy__in=levies, notice__campaign__kind=Campaign.Kind.DEMAND,
                                      notice__status__in=SENT, notice__campaign__pay_by__isnull=False)
            .values("levy_id", "notice__campaign__pay_by")
            .annotate(sent=Min("notice__events__at", filter=Q(notice__events__to_status__in=SENT))))
    end = _end_of(as_of)
    out: dict[int, date] = {}
    for row in rows:
        pay_by, sent = row["notice__campaign__pay_by"], row["sent"]
        if sent is None or sent >= end:
            continue
        lid = row["levy_id"]
        if lid not in out or pay_by < out[lid]:
            out[lid] = pay_by
    return out


def installment_standing(jurisdiction: str, levies: QuerySet[Levy], as_of: date) -> dict[int, bool]:
    """levy id → whether an approved 분할 납부 plan that carries it was in good standing on `as_of` (three queries).
    Levies no approved plan carries are absent."""
    end = _end_of(as_of)
    plans = {p["pk"]: p for p in InstallmentPlan.objects.filter(
        jurisdiction_id=jurisdiction, status=InstallmentPlan.Status.APPROVED,
        notice__lines__levy__in=levies).values("pk", "notice_id", "decided_at").distinct()}
    if not plans:
        return {}
    good = {pk: p["decided_at"] is not None and p["decided_at"] < end for pk, p in plans.items()}
    for inst in Installment.objects.filter(plan_id__in=list(plans), due_date__lt=as_of).values(
            "plan_id", "amount", "paid_amount", "paid_at"):
        paid_in_time = inst["paid_amount"] >= inst["amount"] and inst["paid_at"] is not None and inst["paid_at"] < end
        if not paid_in_time:
            good[inst["plan_id"]] = False
    by_notice: dict[int, bool] = {}
    for pk, p in plans.items():
        by_notice[p["notice_id"]] = by_notice.get(p["notice_id"], False) or good[pk]
    out: dict[int, bool] = {}
    for notice_id, levy_id in NoticeLine.objects.filter(notice_id__in=list(by_notice), levy__in=levies).values_list(
            "notice_id", "levy_id"):
        out[levy_id] = out.get(levy_id, False) or by_notice[notice_id]
    return out


def _build(jurisdiction: str, as_of: date, taxpayers: Q, recorded: Mapping[int, Mapping[str, Any]] | None = None,
           penalties: LevyPenalties | None = None) -> dict[int, law.Facts]:
    """taxpayer id → `Facts` for the taxpayers `taxpayers` selects (a filter on `Levy`)."""
    penalties = penalties or LevyPenalties(jurisdiction=jurisdiction, as_of=as_of)
    levies = (Levy.objects.filter(taxpayers, jurisdiction_id=jurisdiction, due_date__lte=as_of)
              .exclude(status=Levy.Status.CANCELLED))
    demand = demand_due_dates(levies, as_of)
    standing = installment_standing(jurisdiction, levies, as_of)
    by_taxpayer: dict[int, list[law.Levy]] = defaultdict(list)
    for levy in levies.order_by("taxpayer_id", "due_date", "tax_number").iterator(chunk_size=2000):
        due = demand.get(levy.pk)
        by_taxpayer[levy.taxpayer_id].append(_law_levy(
            levy, as_of, penalties, demand_due=due if due is not None and due > levy.due_date else None,
            installment=(standing[levy.pk] or levy.status == Levy.Status.DEFERRED) if levy.pk in standing else None))
    paid: dict[int, dict[date, int]] = defaultdict(dict)
    for tp, received_at, amount in (Allocation.objects.filter(
            levy__in=Levy.objects.filter(taxpayers, jurisdiction_id=jurisdiction), amount__gt=0,
            payment__received_at__lt=_end_of(as_of))
            .values_list("levy__taxpayer_id", "payment__received_at", "amount")):
        day = received_at.astimezone(SEOUL).date()
        paid[tp][day] = paid[tp].get(day, 0) + amount
    out: dict[int, law.Facts] = {}
    for tp, law_levies in by_taxpayer.items():
        facts = law.Facts(
            jurisdiction=jurisdiction,
            levies=tuple(law_levies),
            payments=tuple(law.Payment(date=d, amount=a) for d, a in sorted(paid.get(tp, {}).items())),
        )
        extra = (recorded or {}).get(tp)
        out[tp] = replace(facts, **dict(extra)) if extra else facts
    return out


def facts_for(taxpayer: Taxpayer, as_of: date, *, recorded: Mapping[str, Any] | None = None) -> law.Facts:
    """`taxpayer`'s facts on `as_of`: every levy whose 납부기한 is on or before `as_of` and that is not cancelled, what
    it owes that day, and the payments allocated to those levies up to that day. `recorded` overrides `Facts` fields
    by name (what the office found and the record cannot tell)."""
    built = _build(taxpayer.jurisdiction_id, as_of, Q(taxpayer_id=taxpayer.pk),
                   {taxpayer.pk: recorded} if recorded else None)
    facts = built.get(taxpayer.pk) or law.Facts(jurisdiction=taxpayer.jurisdiction_id, levies=())
    return replace(facts, **dict(recorded)) if recorded and taxpayer.pk not in built else facts


def in_arrears(jurisdiction: str, as_of: date) -> QuerySet[Levy]:
    """The levies that put a taxpayer on the worklist: open (`Levy.objects.open`) and past their 납부기한."""
    return Levy.objects.open().filter(jurisdiction_id=jurisdiction, due_date__lt=as_of)


def facts_by_taxpayer(jurisdiction: str, as_of: date, *, taxpayer_ids: Iterable[int] | None = None,
                      recorded: Mapping[int, Mapping[str, Any]] | None = None) -> dict[int, law.Facts]:
    """taxpayer id → `Facts` on `as_of` for every taxpayer of `jurisdiction` with an open levy past its 납부기한
    (`in_arrears`), or for `taxpayer_ids` (each must be of `jurisdiction`). Equal to `facts_for` for each; a few
    queries for the whole jurisdiction. `recorded`: per taxpayer id, as `facts_for`'s."""
    if taxpayer_ids is not None:
        which = Q(taxpayer_id__in=list(taxpayer_ids))
    else:
        which = Q(taxpayer_id__in=in_arrears(jurisdiction, as_of).values("taxpayer_id"))
    return _build(jurisdiction, as_of, which, recorded)
