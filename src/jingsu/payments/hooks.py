"""Where the apps above payments join in when money moves. payments calls what is plugged in here and imports none
of them; each plugs its functions in when Django starts, in its AppConfig.ready (docs/architecture.md, "Floors").

- `installment_levies(number, jurisdiction=…)`: the levies a payment with an installment's 전자납부번호 pays, locked,
  or [] when the number names none (jingsu.assistance);
- `after_allocation(payment, levies, matched_by=…, clock=…)`: after every allocation, inside its transaction
  (assistance: the installment credited, a plan paid off completed);
- `unmatch_refusals(payment)`: why a match made by hand may not be undone, or "" (jingsu.rewards: a reward case
  rests on the payment);
- `money_returned(levy, by_payment, reason=…, actor=…, clock=…)`: a 감액 정정 gave collected money back, `by_payment`
  payment id → won (rewards: the clawbacks of the decided rewards that rested on it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from jingsu.clock import Clock
    from jingsu.levies.models import Levy
    from jingsu.payments.models import Payment


class InstallmentLevies(Protocol):
    def __call__(self, number: str, *, jurisdiction: str) -> list[Levy]: ...


class AfterAllocation(Protocol):
    def __call__(self, payment: Payment, levies: list[Levy], *, matched_by: str, clock: Clock) -> None: ...


class UnmatchRefusal(Protocol):
    def __call__(self, payment: Payment) -> str: ...


class MoneyReturned(Protocol):
    def __call__(self, levy: Levy, by_payment: dict[int, int], *, reason: str, actor: str, clock: Clock) -> None: ...


installment_levies: list[InstallmentLevies] = []
after_allocation: list[AfterAllocation] = []
unmatch_refusals: list[UnmatchRefusal] = []
money_returned: list[MoneyReturned] = []

F = TypeVar("F")


def plug(hooks: list[F], fn: F) -> None:
    """Add `fn` to one of the lists above (once: a second `ready` adds nothing)."""
    if fn not in hooks:
        hooks.append(fn)
