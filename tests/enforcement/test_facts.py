"""`facts.facts_by_taxpayer` (the worklist's batch reader) against `facts.facts_for` (one taxpayer), and what the
record tells the law: 독촉장의 납부기한, 분할 납부 in good standing, 불복 — on the real test database."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingsu.assistance.models import Installment, InstallmentPlan
from jingsu.clock import SEOUL
from jingsu.enforcement.facts import facts_by_taxpayer, facts_for
from jingsu.levies.models import Levy
from jingsu.notices.models import Notice

YDP = "11560"
AS_OF = date(2026, 11, 2)


def _at(d: date) -> datetime:
    return datetime.combine(d, time(12, 0), tzinfo=SEOUL)


@pytest.fixture
def record(make_taxpayer, make_levy, pay, demand):
    a = make_taxpayer("가나다")
    a1 = make_levy(a, due=date(2025, 9, 30), principal=3_000_000)
    a2 = make_levy(a, due=date(2026, 6, 30), principal=500_000, tax_item="15", vehicle="12가3456")
    make_levy(a, due=date(2026, 12, 31), principal=70_000)  # not yet due on AS_OF
    pay(a1, 1_000_000, date(2026, 3, 3))
    pay(a1, 200_000, date(2026, 11, 20))  # after AS_OF: not among AS_OF's payments
    demand([a1, a2], pay_by=date(2026, 8, 20), sent_on=date(2026, 7, 31))
    demand([a2], pay_by=date(2026, 11, 25), sent_on=date(2026, 11, 10))  # sent after AS_OF
    b = make_taxpayer("라마바")
    make_levy(b, due=date(2025, 3, 31), principal=12_000_000, status=Levy.Status.APPEAL)
    b2 = make_levy(b, due=date(2025, 3, 31), principal=400_000)
    cancelled = make_levy(b, due=date(2025, 3, 31), principal=900_000)
    Levy.objects.filter(pk=cancelled.pk).update(status=Levy.Status.CANCELLED)
    demand([b2], pay_by=date(2025, 5, 20), sent_on=date(2025, 5, 1), status=Notice.Status.IN_DELIVERY)  # not out
    c = make_taxpayer("사아자")
    make_levy(c, due=date(2026, 12, 10))  # nothing due yet: not on the worklist
    other = make_taxpayer("차카타", jurisdiction="11260")
    make_levy(other, due=date(2025, 1, 31))
    return {"a": a, "b": b, "c": c, "other": other, "a1": a1, "a2": a2}


@pytest.mark.django_db
def test_the_batch_equals_facts_for_each_taxpayer(record):
    batch = facts_by_taxpayer(YDP, AS_OF)
    assert set(batch) == {record["a"].pk, record["b"].pk}
    for tp in (record["a"], record["b"]):
        assert batch[tp.pk] == facts_for(tp, AS_OF)
    assert facts_for(record["c"], AS_OF).levies == ()


@pytest.mark.django_db
def test_what_the_record_tells(record):
    f = facts_by_taxpayer(YDP, AS_OF)
    a = {lv.id: lv for lv in f[record["a"].pk].levies}
    assert len(a) == 2  # the levy due after AS_OF is left out
    a1, a2 = a[record["a1"].tax_number], a[record["a2"].tax_number]
    assert a1.demand_due_date == date(2026, 8, 20) and a2.demand_due_date == date(2026, 8, 20)
    assert a2.vehicle == "12가3456" and a1.vehicle is None
    assert [(p.date, p.amount) for p in f[record["a"].pk].payments] == [(date(2026, 3, 3), 1_000_000)]
    # the second 독촉장 went out after AS_OF; a week after it, the earliest 납부기한 still counts
    later = facts_for(record["a"], date(2026, 11, 20))
    assert {lv.demand_due_date for lv in later.levies} == {date(2026, 8, 20)}
    b = f[record["b"].pk].levies
    assert len(b) == 2  # 취소 left out
    assert sorted(lv.appeal_pending for lv in b) == [False, True]
    assert all(lv.demand_due_date is None for lv in b)  # a 독촉장 still in delivery has not gone out


@pytest.mark.django_db
def test_a_batch_is_a_few_queries_whatever_the_number_of_taxpayers(make_taxpayer, make_levy, pay):
    for i in range(12):
        tp = make_taxpayer(f"납세자{i}")
        lv = make_levy(tp, due=date(2025, 9, 30))
        pay(lv, 1000, date(2026, 1, 5))
    with CaptureQueriesContext(connection) as q:
        facts = facts_by_taxpayer(YDP, AS_OF)
    assert len(facts) == 12
    assert len(q.captured_queries) <= 6


@pytest.mark.django_db
def test_an_installment_plan_in_good_standing_and_one_with_a_missed_installment(make_taxpayer, make_levy, demand,
                                                                                clock):
    tp = make_taxpayer("분할중")
    lv = make_levy(tp, due=date(2026, 3, 31), principal=2_000_000)
    notice = demand([lv], pay_by=date(2026, 5, 20), sent_on=date(2026, 5, 1))
    plan = InstallmentPlan.objects.create(
        jurisdiction_id=YDP, notice=notice, taxpayer=tp, count=3, amount=2_100_000,
        status=InstallmentPlan.Status.APPROVED, requested_at=_at(date(2026, 6, 1)), decided_at=_at(date(2026, 6, 2)))
    Levy.objects.filter(pk=lv.pk).update(status=Levy.Status.INSTALLMENT)
    first = Installment.objects.create(plan=plan, sequence=1, amount=700_000, due_date=date(2026, 7, 31),
                                       paid_amount=700_000, paid_at=_at(date(2026, 7, 30)))
    Installment.objects.create(plan=plan, sequence=2, amount=700_000, due_date=date(2026, 8, 31))
    Installment.objects.create(plan=plan, sequence=3, amount=700_000, due_date=date(2026, 9, 30))

    def installment(on: date) -> bool:
        return facts_for(tp, on).levies[0].installment

    assert not installment(date(2026, 6, 1))  # not yet approved
    assert installment(date(2026, 6, 2))
    assert installment(date(2026, 8, 31))  # the 2nd is due that day: not missed yet
    assert not installment(date(2026, 9, 1))  # the 2nd missed: not in good standing
    assert facts_by_taxpayer(YDP, date(2026, 9, 1))[tp.pk] == facts_for(tp, date(2026, 9, 1))
    # paid late: still missed as of a day before it was paid
    first.paid_at = _at(date(2026, 8, 2))
    first.save()
    assert not installment(date(2026, 8, 1))
    assert installment(date(2026, 8, 2))
    # a levy no plan carries keeps its status
    other = make_levy(make_taxpayer("유예"), due=date(2026, 3, 31), status=Levy.Status.DEFERRED)
    assert facts_for(other.taxpayer, AS_OF).levies[0].installment
