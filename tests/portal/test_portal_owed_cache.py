"""The notice page's amounts are cached per notice and day, keyed by everything they depend on (issue #18): a second
view does not run the law again, a payment or a new day shows at once, and the cached figures are the law's."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache

from jingsu.clock import SEOUL
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Notice
from jingsu.portal import services
from jingsu.portal.views import SESSION_KEY

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

from _money import pay_levy


@pytest.fixture
def counted(monkeypatch):
    """How many times the page ran the law (a LevyPenalties made for it)."""
    calls = []

    class Counting(LevyPenalties):
        def __init__(self, **kw):
            calls.append(kw["as_of"])
            super().__init__(**kw)

    monkeypatch.setattr(services, "LevyPenalties", Counting)
    return calls


def _total(r) -> int:
    assert r.status_code == 200
    shown = re.search(r'data-testid="owed-total">([\d,]+)원<', r.content.decode()).group(1)
    return int(shown.replace(",", ""))


@pytest.mark.django_db
def test_amounts_are_cached_per_day_and_a_payment_shows_at_once(client, clock, jungnang, counted):
    cache.clear()
    build_campaign(clock, jungnang)
    n = Notice.objects.filter(taxpayer__name="김민준").first()
    session = client.session
    session[SESSION_KEY] = [n.pk]
    session.save()
    today = clock.now().astimezone(SEOUL).date()
    expected = sum(o.total for o in services.owed_today(n, today))
    counted.clear()

    first = _total(client.get(f"/n/{n.token}"))
    assert first == expected > 0
    assert _total(client.get(f"/n/{n.token}")) == first
    assert len(counted) == 0  # both views read the figures the call above cached: the law ran once for the day

    line = n.lines.select_related("levy").order_by("levy__tax_number").first()
    pay_levy(line.levy, 10_000, today, clock=clock)
    after = _total(client.get(f"/n/{n.token}"))
    assert after == first - 10_000  # the payment shows on the very next view
    assert len(counted) == 1

    clock.advance(timedelta(days=40))  # a new day: computed again for it, never yesterday's figure
    later = _total(client.get(f"/n/{n.token}"))
    assert counted[-1] == clock.now().astimezone(SEOUL).date()
    cache.clear()
    assert later == _total(client.get(f"/n/{n.token}"))  # the cached figure is the law's figure


@pytest.mark.django_db
def test_the_key_holds_every_input_of_the_figures(clock, jungnang):
    cache.clear()
    build_campaign(clock, jungnang)
    n = Notice.objects.filter(taxpayer__name="김민준").first()
    today = clock.now().astimezone(SEOUL).date()
    before = services.owed_today(n, today)
    lv = n.lines.select_related("levy").order_by("levy__tax_number").first().levy
    type(lv).objects.filter(pk=lv.pk).update(enforcement_cost=lv.enforcement_cost + 30_000)  # an update, no signal
    after = services.owed_today(n, today)
    assert sum(o.total for o in after) == sum(o.total for o in before) + 30_000
    assert next(o for o in after if o.tax_number == lv.tax_number).enforcement_cost == 30_000
