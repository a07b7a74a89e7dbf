"""Money for a levy in tests: a payment carrying the levy's 전자납부번호, recorded and reconciled by the real
`payments.services.reconcile` (so the allocation and every `payments.hooks` plug-in run as in production)."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count

from jingsu.clock import SEOUL, Clock
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.payments.services import reconcile

_serial = count(1)


def pay_levy(levy: Levy, amount: int, on: date, *, clock: Clock) -> Payment:
    """`amount` won for `levy`, received at 11:00 (Seoul) on `on`."""
    number = numbers.payment_number(levy.jurisdiction_id, levy.tax_item, levy.tax_year, levy.pk)
    payment = Payment.objects.create(
        jurisdiction_id=levy.jurisdiction_id, source="test", external_id=f"tx-{next(_serial)}",
        received_at=datetime.combine(on, time(11, 0), tzinfo=SEOUL), amount=amount, channel="bank",
        payment_number=number, created_at=clock.now())
    return reconcile(payment, clock=clock)
