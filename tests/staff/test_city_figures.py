"""A 시 on one deployment with its 25 자치구: the 시 담당 role sees one row of counts and sums per 구 and their total,
never a taxpayer; its download is audited; a 구's staff cannot open the page, and the 시 담당 opens nothing else."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from itertools import count

import pytest
from _staff_helpers import BACKEND, text
from django.urls import reverse
from openpyxl import load_workbook

from jingsu.clock import SEOUL
from jingsu.core import crypto
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.staff import services
from jingsu.taxpayers.models import Taxpayer

_n = count(1)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)


def _owing(code: str, name: str, principals: list[int]) -> None:
    n = next(_n)
    reg = f"7701011{n:06d}"
    t = Taxpayer.objects.create(
        jurisdiction_id=code, kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시", created_at=NOW, updated_at=NOW)
    for p in principals:
        Levy.objects.create(
            jurisdiction_id=code, taxpayer=t, tax_number=f"{code}-10-2025-{next(_n):07d}", tax_item="10", tax_year=2025,
            period="정기", principal=p, billed_amount=p, liability_date=date(2025, 6, 1),
            original_due_date=date(2025, 9, 30), due_date=date(2025, 9, 30), created_at=NOW, updated_at=NOW)


@pytest.fixture
def city(db, clock):
    _owing("11260", "중랑일", [100_000, 250_000])
    _owing("11260", "중랑이", [30_000])
    _owing("11560", "영등포일", [1_000_000])
    Payment.objects.create(jurisdiction_id="11560", source="bank-feed", external_id="C-1", received_at=NOW,
                           amount=400_000, status=Payment.Status.MATCHED, created_at=NOW)
    Payment.objects.create(jurisdiction_id="11560", source="bank-feed", external_id="C-2",
                           received_at=datetime(2025, 12, 31, 23, 0, tzinfo=SEOUL), amount=9, status="matched",
                           created_at=NOW)  # last year: not counted
    analyst = services.create_staff_user("city-11000", jurisdiction=Jurisdiction.by_code("11000"),
                                         role="city_analyst", password="비밀번호-가나다-2026", clock=clock).user
    clerk = services.create_staff_user("clerk-11260", jurisdiction=Jurisdiction.by_code("11260"), role="clerk",
                                       password="비밀번호-가나다-2026", clock=clock).user
    return analyst, clerk


def test_the_city_sees_each_district_and_the_total_and_no_one(city, client):
    analyst, _ = city
    client.force_login(analyst, backend=BACKEND)
    r = client.get(reverse("staff:city_figures"))
    assert r.status_code == 200
    page = text(r)
    assert page.count('<tr><th scope="row">') == 25 + 1  # 25 자치구 and the total
    assert ('<tr><th scope="row">중랑구</th><td class="num">3</td><td class="num">380,000원</td>'
            '<td class="num">2</td><td class="num">0</td><td class="num">0</td><td class="num">0원</td></tr>') in page
    assert ('<tr><th scope="row">영등포구</th><td class="num">1</td><td class="num">1,000,000원</td>'
            '<td class="num">1</td><td class="num">0</td><td class="num">1</td><td class="num">400,000원</td></tr>') in page
    assert ('<tr><th scope="row">합계</th><td class="num">4</td><td class="num">1,380,000원</td>'
            '<td class="num">3</td>') in page
    for name in ("중랑일", "중랑이", "영등포일", "770101"):
        assert name not in page

    r = client.get(reverse("staff:city_figures") + "?download=xlsx")
    ws = load_workbook(BytesIO(r.content))["구별 합계"]
    rows = [[c.value for c in row] for row in ws.iter_rows() if row[1].value in ("11260", "11560") or
            row[0].value == "합계"]
    assert rows[0][:4] == ["중랑구", "11260", 3, 380_000] and rows[-1][0] == "합계" and rows[-1][3] == 1_380_000
    row = AuditLog.objects.get(action="staff.city_figures_xlsx")
    assert row.actor == "city-11000" and row.jurisdiction_id == "11000" and row.detail["rows"] == 26


def test_a_district_clerk_cannot_open_it_and_the_city_sees_nothing_else(city, client):
    analyst, clerk = city
    client.force_login(clerk, backend=BACKEND)
    assert client.get(reverse("staff:city_figures")).status_code == 403
    client.force_login(analyst, backend=BACKEND)
    for name in ("staff:taxpayer_search", "staff:campaign_list", "staff:money_unmatched", "staff:audit_log"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_demo_users_put_the_city_analyst_in_the_city(db):
    from jingsu.ops.management.commands.serve import ensure_demo_users
    from jingsu.staff.models import StaffProfile

    rows = ensure_demo_users(Jurisdiction.by_code("11260"))
    assert ("시 담당", "city_analyst-11000") in [(name, user) for name, user, _ in rows]
    assert StaffProfile.objects.get(user__username="city_analyst-11000").jurisdiction_id == "11000"
    assert StaffProfile.objects.get(user__username="clerk-11260").jurisdiction_id == "11260"
