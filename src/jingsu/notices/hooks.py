"""The money side of a campaign, as notices and delivery need it. It lives in jingsu.payments, a floor above both:
payments plugs it in here when Django starts (`PaymentsConfig.ready` → `plug(payments.campaigns)`), and notices and
delivery call `money()` without importing payments (docs/architecture.md, "Floors").

- `pending_refunds(jurisdiction_id)`: the refunds not yet told, a queryset with `levy_id`, `taxpayer_id`, `amount`
  (what a 환급금 안내 campaign addresses, notices.services);
- `register_bills(campaign, providers, clock=…)`: a campaign starts sending — tell the payment network what can be
  paid (delivery.services.start_campaign);
- `refunds_notified(campaign)`: the refunds a refund campaign tells about are now notified (same place, inside its
  transaction);
- `refunds_withdrawn(campaign)`: a cancelled campaign's refunds go back to pending unless another notice that went
  out told them (delivery.control);
- `on_time(jurisdiction_id, start, end)`: how many of the jurisdiction's levies whose 납부기한 fell from `start` to
  `end` were paid in full by it, from the allocations and the payments' received dates (the social-norm wording's
  figure, notices.documents.campaign_figures).

The enforcement side, likewise: jingsu.enforcement (a floor above) plugs `next_measures` in when Django starts
(`EnforcementConfig.ready` → `plug_next_measures(enforcement.deterrence.next_measures)`): for a deterrence-style
document, each taxpayer's next enforcement measure and the day it may be taken, from the enforcement rules.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from jingsu.clock import Clock
    from jingsu.notices.models import Campaign
    from jingsu.providers.base import ProviderSet


class OnTime(NamedTuple):
    """The jurisdiction's levies whose 납부기한 fell from `start` to `end` (both included; not cancelled, something
    billed), and how many of them were paid in full by their 납부기한."""

    levies: int
    paid: int
    start: date
    end: date


class CampaignMoney(Protocol):
    def pending_refunds(self, jurisdiction_id: str) -> QuerySet[Any]: ...

    def register_bills(self, campaign: Campaign, providers: ProviderSet, *, clock: Clock) -> None: ...

    def refunds_notified(self, campaign: Campaign) -> None: ...

    def refunds_withdrawn(self, campaign: Campaign) -> None: ...

    def on_time(self, jurisdiction_id: str, start: date, end: date) -> OnTime: ...


_money: CampaignMoney | None = None


def plug(money: CampaignMoney) -> None:
    global _money
    _money = money


def money() -> CampaignMoney:
    if _money is None:
        raise RuntimeError("jingsu.payments가 설치되지 않았습니다 (INSTALLED_APPS): 캠페인의 수납 쪽이 없습니다.")
    return _money


class NextMeasures(Protocol):
    def __call__(self, jurisdiction_id: str, taxpayer_ids: Collection[int], *, as_of: date,
                 after: date) -> dict[int, dict[str, str]]:
        """taxpayer id → {"measure": Korean name, "on": ISO date, "basis": legal basis} of the taxpayer's earliest
        enforcement measure on or after `after` (the day after the 납부기한 the document prints), from the record
        as of `as_of` (the campaign's 기준일); a taxpayer no rule gives a measure for is left out."""
        ...


_next_measures: NextMeasures | None = None


def plug_next_measures(fn: NextMeasures) -> None:
    global _next_measures
    _next_measures = fn


def next_measures() -> NextMeasures:
    if _next_measures is None:
        raise RuntimeError("jingsu.enforcement가 설치되지 않았습니다 (INSTALLED_APPS): 체납처분 예고 문구의 조치를 정할 수 "
                           "없습니다.")
    return _next_measures
