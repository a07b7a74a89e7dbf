"""The record read into `jingsu.law.enforcement.Facts`: one taxpayer's levies (what each owes on the date judged, the
one definition `Levy.owed`), the payments allocated to them, and what the office recorded (`recorded`).

The law decides; this module only translates. A fact the record does not hold (a licensed business, a 시행령
제15조① case, a 명단공개 통지일 …) comes in through `recorded`, keyed by the `Facts` field name: the cases keep them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from jingsu.clock import SEOUL
from jingsu.law import enforcement as law
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.payments.models import Allocation
from jingsu.taxpayers.models import Taxpayer

#: levy statuses that stop 체납처분 or leave a levy out of the 제9조·제11조 sums
_INSTALLMENT = (Levy.Status.DEFERRED, Levy.Status.INSTALLMENT)


def _law_levy(levy: Levy, as_of: date, penalties: LevyPenalties) -> law.Levy:
    return law.Levy(
        id=levy.tax_number,
        tax_item=levy.tax_item,
        amount=levy.owed(as_of, penalties=penalties).total,
        due_date=levy.due_date,
        appeal_pending=levy.status == Levy.Status.APPEAL,
        installment=levy.status in _INSTALLMENT,
        vehicle=(levy.object_description or None) if levy.tax_item == law.VEHICLE_TAX else None,
    )


def facts_for(taxpayer: Taxpayer, as_of: date, *, recorded: Mapping[str, Any] | None = None) -> law.Facts:
    """`taxpayer`'s facts on `as_of`: every levy whose 납부기한 is on or before `as_of` and that is not cancelled, what
    it owes that day, and the payments allocated to those levies up to that day. `recorded` overrides `Facts` fields
    by name (what the office found and the record cannot tell)."""
    penalties = LevyPenalties(jurisdiction=taxpayer.jurisdiction_id, as_of=as_of)
    levies = (Levy.objects.filter(taxpayer=taxpayer, due_date__lte=as_of)
              .exclude(status=Levy.Status.CANCELLED).order_by("due_date", "tax_number"))
    law_levies = tuple(_law_levy(levy, as_of, penalties) for levy in levies)
    paid: dict[date, int] = {}
    for received_at, amount in (Allocation.objects.filter(levy__taxpayer=taxpayer, amount__gt=0)
                                .values_list("payment__received_at", "amount")):
        day = received_at.astimezone(SEOUL).date()
        if day <= as_of:
            paid[day] = paid.get(day, 0) + amount
    facts = law.Facts(
        jurisdiction=taxpayer.jurisdiction_id,
        levies=law_levies,
        payments=tuple(law.Payment(date=d, amount=a) for d, a in sorted(paid.items())),
    )
    return replace(facts, **dict(recorded)) if recorded else facts
