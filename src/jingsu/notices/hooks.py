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
  out told them (delivery.control).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from jingsu.clock import Clock
    from jingsu.notices.models import Campaign
    from jingsu.providers.base import ProviderSet


class CampaignMoney(Protocol):
    def pending_refunds(self, jurisdiction_id: str) -> QuerySet[Any]: ...

    def register_bills(self, campaign: Campaign, providers: ProviderSet, *, clock: Clock) -> None: ...

    def refunds_notified(self, campaign: Campaign) -> None: ...

    def refunds_withdrawn(self, campaign: Campaign) -> None: ...


_money: CampaignMoney | None = None


def plug(money: CampaignMoney) -> None:
    global _money
    _money = money


def money() -> CampaignMoney:
    if _money is None:
        raise RuntimeError("jingsu.payments가 설치되지 않았습니다 (INSTALLED_APPS): 캠페인의 수납 쪽이 없습니다.")
    return _money
