"""Penalties on a levy, from jingsu.law.penalty (the only implementation of the law).

A levy is one original 납세고지서. The late-payment penalty is computed per 세목 on that bill: the 본세 together with
the 도시지역분 (part of 재산세, 지방세법 제112조) as one amount, and the 지방교육세 (a 세목 of its own, 지방세법 제149조)
as another; each is tested against the regime's threshold on its own (45만 원 per 세목 per bill for
납부지연가산세, 30만 원 per bill and 세목 for the old 중가산금).

과태료 (세목 code 41, e.g. 주정차위반과태료) take 가산금·중가산금 under 질서위반행위규제법 제24조 instead
(jingsu.law.fine_penalty), on the 과태료 itself.

Not computed here (the levy's penalty stays 0, and docs/calc.md says so):
- other 세외수입 (code 40): their 가산금 follows 지방행정제재·부과금의 징수 등에 관한 법률, not yet in jingsu.law;
- levies under 징수유예: no 납부지연가산세 accrues during the deferral (지방세징수법 제25조의2), and the roll does not
  carry the deferral period.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jingsu.law.fine_penalty import fine_penalty
from jingsu.law.penalty import late_penalty
from jingsu.law.tax_items import TAX_ITEMS

#: (liability_date, due_date, amount, assessment) → jingsu.law.penalty.late_penalty(...).penalty
LatePenalty = Callable[[date, date, int, str], int]

PARKING_FINE = "41"


@dataclass(frozen=True, slots=True)
class PenaltyBasis:
    """What the penalty on one levy depends on, besides its jurisdiction and the day it is computed for."""

    liability_date: date  # 납세의무 성립일
    due_date: date  # 납부기한
    tax_item: str  # 세목 code (jingsu.law.tax_items)
    principal: int  # 본세
    city_area_tax: int  # 도시지역분 (counted with the 본세)
    education_tax: int  # 지방교육세 (a 세목 of its own)
    assessment: str  # 신고구분
    status: str  # the levy's status ("deferred": 징수유예)

    @classmethod
    def of(cls, levy: Any) -> PenaltyBasis:
        """From a `Levy`, or a row with the same attribute names (the notice build's named tuples)."""
        return cls(levy.liability_date, levy.due_date, levy.tax_item, levy.principal, levy.city_area_tax,
                   levy.education_tax, levy.assessment, levy.status)

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> PenaltyBasis:
        """From a levy as the roll importer holds it (a dict keyed by the `Levy` field names)."""
        return cls(row["liability_date"], row["due_date"], row["tax_item"], row["principal"], row["city_area_tax"],
                   row["education_tax"], row["assessment"], row["status"])


#: `PenaltyBasis`'s fields in order: what a row must hold, in this order, for `LevyPenalties.of_fields`
BASIS_FIELDS = tuple(f.name for f in dataclasses.fields(PenaltyBasis))


def levy_penalty(basis: PenaltyBasis, *, jurisdiction: str, as_of: date) -> int:
    """Total penalty on one levy as of `as_of` (0 before the due date has passed). For many levies of one
    jurisdiction and date, use one `LevyPenalties` instead (it remembers the law's answers)."""
    return LevyPenalties(jurisdiction=jurisdiction, as_of=as_of, maxsize=8)(basis)


class LevyPenalties:
    """`levy_penalty` for many levies of one jurisdiction on one date (the roll import), with memoised law calls.

    `late_penalty` is a pure function of its arguments (jingsu.law reads nothing else but its parameter files), so
    remembering its result for each distinct (jurisdiction, 성립일, 납부기한, amount, as_of, 신고구분) is exact. A roll
    repeats those over and over (주민세 개인분 is one amount for the whole 구, 자동차세 follows engine sizes, many
    bills share a 납기): on the generated 1,000,000-row roll 84% of the calls are repeats. Nothing of the law is
    computed here. The same holds for `fine_penalty` (과태료: jurisdiction, 납부기한, amount, as_of). Use one instance per
    run: it holds at most `maxsize` results of each (about 250 bytes each).
    """

    def __init__(self, *, jurisdiction: str, as_of: date, maxsize: int = 1 << 18) -> None:
        self.jurisdiction = jurisdiction
        self.as_of = as_of

        @functools.lru_cache(maxsize=maxsize)
        def late(liability_date: date, due_date: date, amount: int, assessment: str) -> int:
            return late_penalty(
                jurisdiction=jurisdiction,
                liability_date=liability_date,
                due_date=due_date,
                principal=amount,
                as_of=as_of,
                assessment=assessment,  # type: ignore[arg-type]
            ).penalty

        self._late: LatePenalty = late

        @functools.lru_cache(maxsize=maxsize)
        def fine(due_date: date, principal: int) -> int:
            return fine_penalty(jurisdiction=jurisdiction, due_date=due_date, principal=principal, as_of=as_of).penalty

        self._fine = fine
        self._maxsize = maxsize
        self._by_fields: dict[tuple[Any, ...], int] = {}

    def of_fields(self, fields: tuple[Any, ...]) -> int:
        """`self(PenaltyBasis(*fields))`, `fields` in `PenaltyBasis`'s field order (a slice of a row the caller
        selected in that order), remembered per distinct `fields`: the answer depends on nothing else (this instance's
        jurisdiction and date are fixed, the law is a pure function), so remembering it is exact. It spares the
        notice build a `PenaltyBasis` and a call per line, and remembers the 과태료 and deferred cases too. At most
        `maxsize` answers are kept (the memory starts over when full)."""
        try:
            return self._by_fields[fields]
        except KeyError:
            pass
        value = self(PenaltyBasis(*fields))
        if len(self._by_fields) >= self._maxsize:
            self._by_fields.clear()
        self._by_fields[fields] = value
        return value

    def __call__(self, basis: PenaltyBasis) -> int:
        """The same as `levy_penalty` with this instance's jurisdiction and `as_of`."""
        as_of, due_date = self.as_of, basis.due_date
        if as_of <= due_date or basis.status == "deferred":
            return 0
        if basis.tax_item == PARKING_FINE:
            return self._fine(due_date, basis.principal)
        if TAX_ITEMS[basis.tax_item].nature != "local-tax":
            return 0
        total = 0
        for amount in (basis.principal + basis.city_area_tax, basis.education_tax):
            if amount <= 0:
                continue
            total += self._late(basis.liability_date, due_date, amount, basis.assessment)
        return total
