"""구별 합계: what a 시 sees of its 자치구 on one deployment (issue #19 §6; docs/operations.md "Many offices").

A 시-level account (role 시 담당, permission `view_city_figures`, its profile in the 시's jurisdiction, e.g. 11000
서울특별시) sees one row per 자치구 of the 시 — counts and sums only, never a taxpayer, a notice or a name — and their
total. The figures are the record's plain counts and sums (no new definition of what is owed): open levies and their
본세, taxpayers with an open levy, notices sent this year, payments booked this year. An account of a 구 with the same
role sees its own row only. The download is audited like every list (`staff.city_figures_xlsx`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from jingsu.clock import SEOUL
from jingsu.core.models import Jurisdiction
from jingsu.reports.common import SENT
from jingsu.staff.access import StaffRequest, console_today, staff_view
from jingsu.staff.downloads import Col, Sheet, xlsx_response


@dataclass
class OfficeFigures:
    code: str
    name: str
    open_levies: int = 0
    open_principal: int = 0
    taxpayers_owing: int = 0
    notices_sent: int = 0
    payments: int = 0
    paid: int = 0


def offices_of(j: Jurisdiction) -> list[Jurisdiction]:
    """The 자치구 under a 시 (in code order), or the office itself."""
    children = list(Jurisdiction.objects.filter(parent=j).order_by("code"))
    return children or [j]


def city_figures(j: Jurisdiction, year: int) -> tuple[list[OfficeFigures], OfficeFigures]:
    from jingsu.delivery.models import DeliveryAttempt
    from jingsu.levies.models import Levy
    from jingsu.payments.models import Payment

    offices = offices_of(j)
    codes = [o.code for o in offices]
    rows = {o.code: OfficeFigures(o.code, o.name) for o in offices}
    for r in (Levy.objects.filter(jurisdiction__in=codes, status__in=Levy.OPEN_STATUSES).values("jurisdiction")
              .annotate(n=Count("id"), won=Sum("principal"), people=Count("taxpayer", distinct=True)).order_by()):
        f = rows[r["jurisdiction"]]
        f.open_levies, f.open_principal, f.taxpayers_owing = r["n"], r["won"] or 0, r["people"]
    begin = datetime.combine(datetime(year, 1, 1).date(), time(0), SEOUL)
    end = datetime.combine(datetime(year + 1, 1, 1).date(), time(0), SEOUL)
    for r in (DeliveryAttempt.objects.filter(notice__jurisdiction__in=codes, sent_at__gte=begin, sent_at__lt=end,
                                             status__in=SENT)
              .values("notice__jurisdiction").annotate(n=Count("notice", distinct=True)).order_by()):
        rows[r["notice__jurisdiction"]].notices_sent = r["n"]
    for r in (Payment.objects.filter(jurisdiction__in=codes, received_at__gte=begin, received_at__lt=end)
              .filter(Q(status=Payment.Status.MATCHED) | Q(status=Payment.Status.OVERPAID))
              .values("jurisdiction").annotate(n=Count("id"), won=Sum("amount")).order_by()):
        f = rows[r["jurisdiction"]]
        f.payments, f.paid = r["n"], r["won"] or 0
    total = OfficeFigures("", "합계")
    for f in rows.values():
        for name in ("open_levies", "open_principal", "taxpayers_owing", "notices_sent", "payments", "paid"):
            setattr(total, name, getattr(total, name) + getattr(f, name))
    return list(rows.values()), total


COLS = [Col("자치단체", width=14), Col("코드", width=8), Col("체납 부과 건", "count", 14),
        Col("체납 본세 합계(원)", "won", 18), Col("체납 납세자", "count", 12), Col("올해 보낸 안내문", "count", 16),
        Col("올해 수납 건", "count", 12), Col("올해 수납액(원)", "won", 16)]


def _cells(f: OfficeFigures) -> list[object]:
    return [f.name, f.code, f.open_levies, f.open_principal, f.taxpayers_owing, f.notices_sent, f.payments, f.paid]


@staff_view("view_city_figures")
def city_figures_page(request: StaffRequest) -> HttpResponse:
    year = console_today().year
    rows, total = city_figures(request.jurisdiction, year)
    if request.GET.get("download") == "xlsx":
        return xlsx_response(request, action="staff.city_figures_xlsx", title=f"구별 합계 ({year}년)",
                             filename="구별합계", sheets=[Sheet("구별 합계", COLS, (_cells(f) for f in [*rows, total]))],
                             filters=[("연도", f"{year}년")])
    return render(request, "staff/city_figures.html", {"rows": rows, "total": total, "year": year,
                                                        "today": console_today()})


urlpatterns = [path("city/", city_figures_page, name="city_figures")]
