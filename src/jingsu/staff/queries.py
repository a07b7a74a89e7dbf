"""Read-side queries of the console, always inside one jurisdiction. No HTTP here; views call these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from jingsu.core import crypto
from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import DeliveryAttempt, DeliveryEvent, Resend
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments.models import Payment
from jingsu.rewards.models import EnforcementAction
from jingsu.taxpayers.models import Taxpayer

SEARCH_LIMIT = 50  # taxpayers a page
_TAX_NUMBER = re.compile(r"^\d{5}-[\d-]+$")
BY_LABELS = {
    "name": "성명", "tax_number": "과세번호", "payment_number": "전자납부번호", "registration": "등록번호",
}


@dataclass
class SearchResult:
    by: str  # what the query was taken as (name, tax_number, payment_number, registration)
    taxpayers: list[Taxpayer]  # this page's
    total: int = 0  # found in all
    page: int = 1
    pages: int = 1
    problem: str = ""  # a Korean message when the query cannot be used as given


def detect(q: str) -> str:
    digits = re.sub(r"[\s-]", "", q)
    if "*" in q:
        return "registration"
    if digits.isdigit() and len(digits) == numbers.LENGTH:
        return "payment_number"
    if _TAX_NUMBER.match(q.strip()):
        return "tax_number"
    if digits.isdigit() and len(digits) in (10, 13):
        return "registration"
    return "name"


def registration_key(q: str, by: str = "auto") -> str | None:
    """The keyed hash a full registration number is searched by (None for any other query): what the console keeps
    of such a search between pages, instead of the number (the full number is never stored)."""
    if by in ("", "auto"):
        by = detect(q)
    digits = re.sub(r"\D", "", q)
    if by == "registration" and "*" not in q and len(digits) in (10, 13):
        return crypto.lookup_hash(digits)
    return None


def search_queryset(jurisdiction: Jurisdiction, q: str, by: str = "auto", *,
                    registration_hash: str | None = None) -> tuple[str, QuerySet[Taxpayer] | None, str]:
    """(what the query was taken as, the taxpayers it finds — ordered by name, each with `levy_count` — or None,
    a Korean message when the query cannot be used as given). The screen pages it; the XLSX takes it whole."""
    q = q.strip()
    if registration_hash is not None:
        by = "registration"
    elif by in ("", "auto"):
        by = detect(q)
    base = Taxpayer.objects.filter(jurisdiction=jurisdiction)
    qs: QuerySet[Taxpayer]
    if registration_hash is not None:
        qs = base.filter(registration_hash=registration_hash)
    elif by == "name":
        qs = base.filter(name__icontains=q)
    elif by == "tax_number":
        qs = base.filter(levies__tax_number__startswith=q, levies__jurisdiction=jurisdiction)
    elif by == "payment_number":
        number = re.sub(r"[\s-]", "", q)
        if not numbers.is_valid(number):
            return by, None, "전자납부번호 19자리가 올바르지 않습니다(검증번호 불일치)."
        qs = base.filter(
            Q(levies__id=numbers.levy_id_of(number), levies__jurisdiction=jurisdiction)
            | Q(notices__lines__payment_number=number)
        )
    elif by == "registration":
        if "*" in q:
            prefix = q.split("*", 1)[0]
            if sum(ch.isdigit() for ch in prefix) < 6:
                return by, None, "가린 번호는 앞 6자리 이상을 입력하세요(예: 850101-1******)."
            qs = base.filter(registration_masked__startswith=prefix)
        else:
            digits = re.sub(r"\D", "", q)
            if len(digits) not in (10, 13):
                return by, None, "등록번호는 13자리(주민·외국인) 또는 10자리(사업자)입니다."
            # The full number is never stored: compare keyed hashes.
            qs = base.filter(registration_hash=crypto.lookup_hash(digits))
    else:
        return by, None, "검색 기준이 올바르지 않습니다."
    return by, qs.distinct().order_by("name", "id").annotate(levy_count=Count("levies", distinct=True)), ""


def search_taxpayers(jurisdiction: Jurisdiction, q: str, by: str = "auto", *, page: int | str | None = 1,
                     registration_hash: str | None = None) -> SearchResult:
    """Taxpayers of the jurisdiction found by the query, `SEARCH_LIMIT` a page (`page`: 1-based; out of range: the
    nearest page). `registration_hash` searches by a full registration number's keyed hash (`registration_key`)."""
    by, qs, problem = search_queryset(jurisdiction, q, by, registration_hash=registration_hash)
    if qs is None:
        return SearchResult(by, [], problem=problem)
    paginator = Paginator(qs, SEARCH_LIMIT)
    shown = paginator.get_page(page)
    return SearchResult(by, list(shown.object_list), paginator.count, shown.number, paginator.num_pages)


@dataclass
class TaxpayerFile:
    taxpayer: Taxpayer
    levies: list[Levy]
    notices: list[Notice]
    payments: list[Payment]
    outstanding: int
    actions: list[EnforcementAction]  # 체납처분 on the taxpayer's levies (recorded for the rewards ledger)


def taxpayer_file(taxpayer: Taxpayer, today: date) -> TaxpayerFile:
    """Everything the taxpayer page shows: levies (each with `owed_today`, `Levy.owed(today)`: the figure the
    portal, the gateway and a notice built today show), notices with each delivery attempt (and the resend it came
    from), its history and the notice's resend requests, payments and enforcement actions."""
    levies = list(Levy.objects.filter(taxpayer=taxpayer, jurisdiction_id=taxpayer.jurisdiction_id)
                  .order_by("-due_date", "tax_number"))
    notices = list(
        Notice.objects.filter(taxpayer=taxpayer, jurisdiction_id=taxpayer.jurisdiction_id)
        .select_related("campaign")
        .prefetch_related(
            Prefetch("lines", queryset=NoticeLine.objects.select_related("levy").order_by("id")),
            Prefetch("attempts", queryset=DeliveryAttempt.objects.select_related("resend").order_by("sequence", "id")
                     .prefetch_related(Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id")))),
            Prefetch("resends", queryset=Resend.objects.order_by("requested_at", "id")),
        )
        .order_by("-created_at", "-id")
    )
    levy_ids = [lv.id for lv in levies]
    payments = list(
        Payment.objects.filter(jurisdiction_id=taxpayer.jurisdiction_id, allocations__levy_id__in=levy_ids)
        .distinct().annotate(allocated=Sum("allocations__amount", filter=Q(allocations__levy_id__in=levy_ids)))
        .order_by("-received_at", "-id")
    )
    penalties = LevyPenalties(jurisdiction=taxpayer.jurisdiction_id, as_of=today)
    for lv in levies:
        lv.owed_today = lv.owed(today, penalties=penalties)  # type: ignore[attr-defined]
    outstanding = sum(lv.owed_today.total for lv in levies  # type: ignore[attr-defined]
                      if lv.status in Levy.OPEN_STATUSES)
    actions = list(EnforcementAction.objects.filter(levy_id__in=levy_ids, jurisdiction_id=taxpayer.jurisdiction_id)
                   .select_related("levy", "official", "civilian").order_by("-taken_on", "-id"))
    return TaxpayerFile(taxpayer, levies, notices, payments, outstanding, actions)


def format_registration_number(digits: str) -> str:
    if len(digits) == 13:
        return f"{digits[:6]}-{digits[6:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return digits
