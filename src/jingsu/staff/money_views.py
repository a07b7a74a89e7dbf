"""Staff screens for money (issue #8 item 5) and the effect dashboard (item 6).

Money, under /staff/money/, needs `manage_payments` (담당자) for viewing and for changes:
- the unmatched-payment queue of the user's jurisdiction, and matching one by hand with a stated reason through
  `jingsu.payments.services.match_by_hand` (the service checks, locks, allocates and writes the audit row; its
  `PaymentError` is shown as a form error). The levy is found by 과세번호 or 전자납부번호 within the jurisdiction;
  the payment may go to that levy or to all of its taxpayer's outstanding levies;
- the refunds still to be notified (`Refund` pending) with totals;
- the reconciliation summary of one day (Asia/Seoul): payments received by source and channel, by status, the
  allocations by head, by matching rule, and the files imported that day.

Effects, under /staff/effects/, need `view_reports`: `jingsu.reports.effects` for a campaign or a period, with
charts drawn here as inline SVG (presentation attributes only: the CSP forbids `style=`) and an XLSX download.
Views hold no rules: every figure is the report's or a count/sum over rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jingsu.clock import SEOUL
from jingsu.core import audit
from jingsu.core.http import client_ip
from jingsu.delivery.models import Channel
from jingsu.delivery.paper import mask_name
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices.models import Campaign
from jingsu.payments.corrections import CorrectionError, plan_reduction, reduce_levy
from jingsu.payments.models import (
    Allocation,
    Payment,
    PaymentFile,
    Refund,
    channel_label,
    matched_by_label,
    source_label,
)
from jingsu.payments.services import PaymentError, match_by_hand, preview_match, unmatch_by_hand
from jingsu.reports import effects as fx
from jingsu.reports.common import pct
from jingsu.reports.experiments import (
    NoExperiment,
    experiment_report,
    render_experiment_html,
    render_experiment_xlsx,
)
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.access import StaffRequest, act, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import console_today as _today
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.forms import KrdsRadios
from jingsu.staff.paging import page_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=SEOUL)
    return start, start + timedelta(days=1)


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# --- money: the unmatched queue --------------------------------------------------------------------------------------


class MatchForm(forms.Form):
    levy_ref = forms.CharField(
        label="과세번호 또는 전자납부번호", max_length=40,
        help_text="과세번호(예: 11260-14-2022-0000003) 또는 19자리 전자납부번호를 입력하세요.",
        widget=forms.TextInput(attrs={"class": "krds-input", "autocomplete": "off"}))
    scope = forms.ChoiceField(
        label="충당 범위", initial="levy", widget=KrdsRadios,
        choices=[("levy", "이 부과 건에만 충당"), ("taxpayer", "이 부과 건 납세자의 모든 체납에 충당(체납처분비·본세·가산세 순)")])
    reason = forms.CharField(
        label="수기 대사 사유", max_length=200, required=False,
        help_text="5자 이상. 감사 기록에 남습니다.",
        widget=forms.Textarea(attrs={"class": "krds-input", "rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "match-%s")
        super().__init__(*args, **kwargs)


def find_levy(jurisdiction: Any, ref: str) -> Levy | None:
    """The levy of this jurisdiction with this 과세번호 or 전자납부번호 (digits, spaces and hyphens allowed)."""
    ref = ref.strip()
    digits = "".join(ch for ch in ref if ch.isdigit())
    if len(digits) == numbers.LENGTH and numbers.is_valid(digits) and digits[:5] == jurisdiction.code:
        levy = Levy.objects.filter(jurisdiction=jurisdiction, pk=numbers.levy_id_of(digits)).first()
        if levy is not None:
            return levy
    return Levy.objects.filter(jurisdiction=jurisdiction, tax_number=ref).select_related("taxpayer").first()


def _levy_error(ref: str) -> str:
    digits = "".join(ch for ch in ref if ch.isdigit())
    if len(digits) == numbers.LENGTH and not numbers.is_valid(digits):
        return "전자납부번호가 올바르지 않습니다 (자릿수 또는 검증번호 오류)."
    return "이 자치단체에서 그 과세번호·전자납부번호의 부과 건을 찾을 수 없습니다."


def unmatched_payments(jurisdiction: Any) -> Any:
    """The jurisdiction's unmatched payments, oldest first (the screen pages them; the XLSX takes them all)."""
    return (Payment.objects.filter(jurisdiction=jurisdiction, status=Payment.Status.UNMATCHED)
            .order_by("received_at", "pk"))


@staff_view("manage_payments")
def unmatched(request: StaffRequest) -> HttpResponse:
    qs = unmatched_payments(_j(request))
    totals = qs.aggregate(count=Count("id"), amount=Sum("amount"))
    page, query = page_of(request, qs)
    return render(request, "staff/money/unmatched.html", {
        "payments": list(page), "page": page, "query": query, "count": totals["count"] or 0,
        "amount": totals["amount"] or 0,
    })


@staff_view("manage_payments")
def payment_match(request: StaffRequest, payment_id: int) -> HttpResponse:
    """GET: the payment, a look-up of the levy (?levy_ref=…) and the form; POST: match by hand."""
    payment = scoped_or_404(request, Payment, pk=payment_id)
    levy: Levy | None = None
    preview: list[tuple[str, str, int]] | None = None
    if request.method == "POST":
        form = MatchForm(request.POST)
        if form.is_valid():
            ref = form.cleaned_data["levy_ref"]
            levy = find_levy(_j(request), ref)
            if levy is None:
                form.add_error("levy_ref", _levy_error(ref))
            else:
                kwargs: dict[str, Any] = (
                    {"taxpayer_id": levy.taxpayer_id} if form.cleaned_data["scope"] == "taxpayer" else {"levy": levy})
                previewed = f"{levy.pk}|{form.cleaned_data['scope']}"
                confirm = request.POST.get("confirm") == "1" and request.POST.get("previewed") == previewed
                try:
                    if not confirm:  # first the preview: what the match would allocate (also when it changed)
                        preview = [(number, Allocation.Head(head).label, amount) for number, head, amount in
                                   preview_match(payment, clock=_clock, **kwargs)]
                        if len(form.cleaned_data["reason"].strip()) < 5:
                            form.add_error("reason", "수기 대사 사유를 5자 이상 적어 주십시오.")
                    else:
                        match_by_hand(payment, actor=_actor(request), reason=form.cleaned_data["reason"],
                                      clock=_clock, **kwargs)
                except PaymentError as e:
                    preview = None
                    form.add_error("reason" if "사유" in str(e) else None, str(e))
                else:
                    if confirm:
                        payment.refresh_from_db()
                        messages.success(request, f"수납 {payment.external_id} ({payment.amount:,}원)을 수기 "
                                                  f"대사했습니다: {payment.get_status_display()}.")
                        return redirect(reverse("staff:money_unmatched"))
    else:
        ref = request.GET.get("levy_ref", "")
        form = MatchForm(initial={"levy_ref": ref or payment.tax_number or payment.payment_number,
                                  "scope": "levy"})
        if ref:
            levy = find_levy(_j(request), ref)
            if levy is None:
                form.add_error(None, _levy_error(ref))
            else:
                # the look-up shows a taxpayer's name: recorded like a search (criteria, not the person's data)
                audit.record("staff.levy_lookup", actor=_actor(request), jurisdiction=_j(request), target=levy,
                             clock=_clock, detail={"payment": payment.pk, "ip": client_ip(request)})
    allocations = list(payment.allocations.select_related("levy").order_by("pk"))
    return render(request, "staff/money/match.html", {
        "payment": payment, "form": form, "levy": levy, "allocations": allocations,
        "can_match": payment.status == Payment.Status.UNMATCHED, "preview": preview,
        "previewed": f"{levy.pk}|{form['scope'].value()}" if preview is not None and levy is not None else "",
        "can_unmatch": payment.matched_by == "manual" and payment.status != Payment.Status.UNMATCHED,
        "unmatch_form": UnmatchForm(),
    })


class UnmatchForm(forms.Form):
    reason = forms.CharField(label="대사 취소 사유", max_length=200, min_length=5,
                             help_text="5자 이상. 감사 기록에 남고, 수납은 미확인 목록으로 돌아갑니다.",
                             widget=forms.Textarea(attrs={"class": "krds-input", "rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "unmatch-%s")
        super().__init__(*args, **kwargs)


@staff_view("manage_payments")
@require_http_methods(["GET", "POST"])
def payment_unmatch(request: StaffRequest, payment_id: int) -> HttpResponse:
    """POST: undo a match made by hand (reversal entries; `payments.services.unmatch_by_hand`); GET: the payment's
    page, where the form is."""
    if request.method != "POST":
        return payment_match(request, payment_id)
    payment = scoped_or_404(request, Payment, pk=payment_id)
    form = UnmatchForm(request.POST)
    to = reverse("staff:money_payment", args=[payment.pk])
    if not form.is_valid():
        messages.error(request, "대사 취소 사유를 5자 이상 적어 주십시오.")
        return redirect(to)
    return act(request, lambda: unmatch_by_hand(payment, actor=_actor(request), reason=form.cleaned_data["reason"],
                                                clock=_clock),
               refused=PaymentError, to=to,
               done=f"수납 {payment.external_id}의 수기 대사를 취소했습니다. 미확인 목록으로 돌아갔습니다.")


# --- money: 감액 정정 (a levy lowered after money was booked on it) ----------------------------------------------------


class ReduceForm(forms.Form):
    principal = forms.IntegerField(label="정정한 본세", min_value=0,
                                   widget=forms.NumberInput(attrs={"class": "krds-input", "inputmode": "numeric"}))
    education_tax = forms.IntegerField(label="정정한 지방교육세", min_value=0,
                                       widget=forms.NumberInput(attrs={"class": "krds-input", "inputmode": "numeric"}))
    city_area_tax = forms.IntegerField(label="정정한 도시지역분", min_value=0,
                                       widget=forms.NumberInput(attrs={"class": "krds-input", "inputmode": "numeric"}))
    reason = forms.CharField(label="정정 사유", max_length=200, required=False,
                             help_text="예: 이중부과, 과세표준 오류. 감사 기록과 환급 사유에 남습니다.",
                             widget=forms.Textarea(attrs={"class": "krds-input", "rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reduce-%s")
        super().__init__(*args, **kwargs)


@staff_view("manage_payments")
def levy_reduce(request: StaffRequest, levy_id: int) -> HttpResponse:
    """GET: the levy and the form; POST 미리 보기: what the correction does (nothing written); POST 정정: do it."""
    levy = scoped_or_404(request, Levy, pk=levy_id)
    plan = None
    if request.method == "POST":
        form = ReduceForm(request.POST)
        if form.is_valid():
            amounts = {k: form.cleaned_data[k] for k in ("principal", "education_tax", "city_area_tax")}
            try:
                previewed = ",".join(str(v) for v in amounts.values())
                if request.POST.get("confirm") == "1" and request.POST.get("previewed") != previewed:
                    # the amounts changed after the preview: show the preview of these amounts first
                    messages.warning(request, "미리 본 뒤 금액이 바뀌었습니다. 바뀐 금액의 미리 보기를 확인하고 다시 정정하세요.")
                elif request.POST.get("confirm") == "1":
                    plan = reduce_levy(levy, **amounts, reason=form.cleaned_data["reason"], actor=_actor(request),
                                       clock=_clock)
                    messages.success(request, "감액 정정을 기록했습니다. " + plan.text())
                    return redirect(reverse("staff:taxpayer_detail", args=[levy.taxpayer_id]))
                plan = plan_reduction(levy, **amounts, clock=_clock)
            except CorrectionError as e:
                plan = None
                form.add_error(e.field if e.field in form.fields else None, str(e))
    else:
        form = ReduceForm(initial={"principal": levy.principal, "education_tax": levy.education_tax,
                                   "city_area_tax": levy.city_area_tax})
    allocations = list(levy.allocations.select_related("payment").order_by("payment__received_at", "pk"))
    return render(request, "staff/money/reduce.html", {
        "levy": levy, "form": form, "plan": plan, "allocations": allocations,
        "previewed": ",".join(str(plan.after[k]) for k in ("principal", "education_tax", "city_area_tax"))
        if plan else "",
    })


# --- money: refunds ----------------------------------------------------------------------------------------------------


def pending_refunds(jurisdiction: Any) -> Any:
    """환급 대상: refunds still to be told (pending), oldest first."""
    return (Refund.objects.filter(jurisdiction=jurisdiction, status=Refund.Status.PENDING)
            .select_related("taxpayer", "levy", "payment").order_by("created_at", "pk"))


@staff_view("manage_payments")
def refunds(request: StaffRequest) -> HttpResponse:
    j = _j(request)
    pending = pending_refunds(j)
    by_status = {row["status"]: row for row in Refund.objects.filter(jurisdiction=j).values("status")
                 .annotate(count=Count("id"), amount=Sum("amount"))}
    statuses = [(label, by_status.get(value, {}).get("count", 0), by_status.get(value, {}).get("amount") or 0)
                for value, label in Refund.Status.choices]
    totals = pending.aggregate(count=Count("id"), amount=Sum("amount"), taxpayers=Count("taxpayer", distinct=True))
    page, query = page_of(request, pending)
    rows = list(page)
    for r in rows:  # names masked in the list; the taxpayer page (audited) shows them
        r.taxpayer_masked = mask_name(r.taxpayer.name) if r.taxpayer else ""  # type: ignore[attr-defined]
    return render(request, "staff/money/refunds.html", {
        "refunds": rows, "count": totals["count"] or 0, "amount": totals["amount"] or 0,
        "taxpayers": totals["taxpayers"] or 0, "statuses": statuses, "page": page, "query": query,
    })


# --- money: the day's reconciliation -------------------------------------------------------------------------------


def reconciliation_summary(jurisdiction: Any, day: date) -> dict[str, Any]:
    """Counts and sums over the payments received on `day` (Asia/Seoul) and the files imported that day."""
    start, end = _day_bounds(day)
    payments = Payment.objects.filter(jurisdiction=jurisdiction, received_at__gte=start, received_at__lt=end)
    total = payments.aggregate(count=Count("id"), amount=Sum("amount"))
    by_source = [
        {"source": source_label(r["source"]), "channel": channel_label(r["channel"]),
         "count": r["count"], "amount": r["amount"] or 0}
        for r in payments.values("source", "channel").annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("source", "channel")
    ]
    status_rows = {r["status"]: r for r in payments.values("status").annotate(count=Count("id"), amount=Sum("amount"))}
    by_status = [{"status": value, "label": label, "count": status_rows.get(value, {}).get("count", 0),
                  "amount": status_rows.get(value, {}).get("amount") or 0}
                 for value, label in Payment.Status.choices]
    head_rows = {r["head"]: r for r in Allocation.objects.filter(payment__in=payments).values("head")
                 .annotate(count=Count("id"), amount=Sum("amount"))}
    by_head = [{"head": value, "label": label, "count": head_rows.get(value, {}).get("count", 0),
                "amount": head_rows.get(value, {}).get("amount") or 0}
               for value, label in Allocation.Head.choices]
    by_rule = [
        {"label": matched_by_label(r["matched_by"]), "count": r["count"], "amount": r["amount"] or 0}
        for r in payments.exclude(status=Payment.Status.UNMATCHED).values("matched_by")
        .annotate(count=Count("id"), amount=Sum("amount")).order_by("matched_by")
    ]
    files = list(PaymentFile.objects.filter(jurisdiction=jurisdiction, imported_at__gte=start, imported_at__lt=end)
                 .order_by("imported_at", "pk"))
    return {
        "day": day, "count": total["count"] or 0, "amount": total["amount"] or 0,
        "by_source": by_source, "by_status": by_status, "by_head": by_head,
        "allocated": sum(h["amount"] for h in by_head), "by_rule": by_rule,
        "files": files, "files_records": sum(f.records for f in files), "files_amount": sum(f.amount for f in files),
    }


@staff_view("manage_payments")
def reconciliation(request: StaffRequest) -> HttpResponse:
    raw = request.GET.get("date", "")
    day = _parse_date(raw)
    error = ""
    if raw and day is None:
        error = "날짜를 YYYY-MM-DD 형식으로 입력하세요."
    day = day or _today()
    return render(request, "staff/money/reconciliation.html", {
        "s": reconciliation_summary(_j(request), day), "error": error,
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1), "today": _today(),
    })


# --- effects -----------------------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    start = forms.DateField(label="시작일", widget=forms.DateInput(attrs={"type": "date", "class": "krds-input"}))
    end = forms.DateField(label="종료일", widget=forms.DateInput(attrs={"type": "date", "class": "krds-input"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "period-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "종료일이 시작일보다 앞섭니다.")
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date, bool]:
    """The period of the query string, or this year up to today; False when the query's period is not valid."""
    today = _today()
    start, end = date(today.year, 1, 1), today
    if "start" not in request.GET and "end" not in request.GET:
        return PeriodForm(initial={"start": start, "end": end}), start, end, True
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"], True
    return form, start, end, False


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def _pp(x: float) -> str:
    return f"{x * 100:+.1f}%p"


def _bars(items: list[tuple[str, int, str]], *, width: int = 560, label_w: int = 150, unit: str = "") -> dict[str, Any]:
    """Geometry of a horizontal bar chart: (label, value, css-free colour) → rows with x/y/width for the SVG."""
    top = max((v for _, v, _c in items), default=0) or 1
    span = width - label_w - 130
    rows = []
    for i, (label, value, colour) in enumerate(items):
        w = round(span * value / top) if value > 0 else 0
        rows.append({"label": label, "value": value, "text": f"{value:,}{unit}", "y": 8 + i * 30, "ty": 22 + i * 30,
                     "w": w, "tx": label_w + w + 6, "fill": colour})
    return {"rows": rows, "height": 16 + 30 * len(items), "width": width, "x": label_w}


BLUE, GREY, NAVY, GREEN = "#256ef4", "#8a949e", "#052b57", "#1f6b2c"


def _charts(e: dict[str, Any]) -> dict[str, Any]:
    pw, cpw = e["paid_within"], e["control_paid_within"]
    charts: dict[str, Any] = {
        "channels": _bars([(str(Channel(ch).label), v["sent"], BLUE) for ch, v in e["by_channel"].items()],
                          unit="건"),
        "funnel": _bars([("안내 대상", e["notices"], NAVY), ("도달(송달)", e["delivered"], BLUE),
                         ("열람", e["read"], BLUE), ("납부", e["paid_count"], GREEN)], unit="건"),
        "windows": _bars([(f"발송군 {k}", pw[key]["count"], BLUE) for key, k in
                          (("3h", "3시간"), ("3d", "3일"), ("30d", "30일"))]
                         + ([(f"대조군 {k}", cpw[key]["count"], GREY) for key, k in
                             (("3h", "3시간"), ("3d", "3일"), ("30d", "30일"))] if e["control_group"] else []),
                         unit="건"),
        "cost": _bars([("발송 비용", e["cost"], BLUE), ("전부 종이였다면", e["paper_cost"], GREY)], unit="원"),
    }
    up = e["uplift"]
    if up is not None:
        # rates of the two groups; the treated bar carries the 95 % interval of the difference, added to the control
        label_w, span = 150, 280
        top = max(up["rate_treated"], up["rate_control"], up["rate_control"] + up["interval"][1], 0.01)

        def x(v: float) -> int:
            return label_w + round(span * max(v, 0.0) / top)

        charts["rate"] = {
            "width": 560, "height": 84, "x": label_w,
            "t_w": x(up["rate_treated"]) - label_w, "c_w": x(up["rate_control"]) - label_w,
            "lo": x(up["rate_control"] + up["interval"][0]), "hi": x(up["rate_control"] + up["interval"][1]),
            "t_text": _pct(up["rate_treated"]), "c_text": _pct(up["rate_control"]),
            "t_tx": max(x(up["rate_treated"]), x(up["rate_control"] + up["interval"][1])) + 8,
            "c_tx": x(up["rate_control"]) + 8,
        }
    return charts


def _view_model(e: dict[str, Any]) -> dict[str, Any]:
    """Display strings the template needs beyond |won (percentages, signed intervals)."""
    up = e["uplift"]
    return {
        "delivery_rate": _pct(e["delivery_rate"]), "read_rate": _pct(e["read_rate"]), "paid_rate": _pct(e["paid_rate"]),
        "control_paid_rate": _pct(e["control_paid_rate"]),
        "windows": [(label, e["paid_within"][key], e["control_paid_within"][key])
                    for key, label in (("3h", "3시간 안"), ("3d", "3일 안"), ("30d", "30일 안"))],
        "channels": [(str(Channel(ch).label), v) for ch, v in e["by_channel"].items()],
        "uplift": None if up is None else {
            **up, "rate_treated_text": _pct(up["rate_treated"]), "rate_control_text": _pct(up["rate_control"]),
            "difference_text": _pp(up["difference"]),
            "interval_text": f"{_pp(up['interval'][0])} ~ {_pp(up['interval'][1])}",
        },
        "year_before": e["year_before"] and {
            **e["year_before"],
            "from": date.fromisoformat(e["year_before"]["window"][0]),
            "to": date.fromisoformat(e["year_before"]["window"][1]),
        },
    }


def _effects_page(request: HttpRequest, e: dict[str, Any], **extra: Any) -> HttpResponse:
    return render(request, "staff/effects/report.html", {"e": e, "v": _view_model(e), "charts": _charts(e), **extra})


def _xlsx(request: StaffRequest, e: dict[str, Any], filename: str, target: Any = None) -> HttpResponse:
    audit.record("staff.effects_xlsx", actor=_actor(request), jurisdiction=_j(request), target=target, clock=_clock,
                 detail={"report": e["name"], "ip": client_ip(request)})
    response = HttpResponse(fx.render_xlsx(e), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@staff_view("view_reports")
def effects_home(request: StaffRequest) -> HttpResponse:
    form, _start, _end, _ok = _period(request)
    return render(request, "staff/effects/home.html", {"campaigns": _campaigns(request)[:200], "form": form})


def _campaigns(request: StaffRequest) -> Any:
    return (Campaign.objects.filter(jurisdiction=_j(request)).exclude(status=Campaign.Status.DRAFT)
            .annotate(n=Count("notices", filter=Q(notices__control_group=False)),
                      control=Count("notices", filter=Q(notices__control_group=True)))
            .order_by("-as_of", "-pk"))


@staff_view("view_reports")
def effects_campaign(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = scoped_or_404(request, Campaign, pk=campaign_id)
    e = fx.campaign_effects(campaign)
    return _effects_page(request, e, campaign=campaign,
                         xlsx_url=reverse("staff:effects_campaign_xlsx", args=[campaign.pk]))


@staff_view("view_reports")
def effects_campaign_xlsx(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = scoped_or_404(request, Campaign, pk=campaign_id)
    return _xlsx(request, fx.campaign_effects(campaign), f"발송효과-캠페인{campaign.pk}.xlsx", target=campaign)


@staff_view("view_reports")
def effects_period(request: StaffRequest) -> HttpResponse:
    form, start, end, ok = _period(request)
    if not ok:
        return render(request, "staff/effects/home.html", {"campaigns": _campaigns(request)[:200], "form": form})
    e = fx.period_effects(_j(request), start, end)
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    return _effects_page(request, e, form=form, start=start, end=end,
                         xlsx_url=reverse("staff:effects_period_xlsx") + query)


@staff_view("view_reports")
def effects_period_xlsx(request: StaffRequest) -> HttpResponse:
    _form, start, end, _ok = _period(request)
    e = fx.period_effects(_j(request), start, end)
    return _xlsx(request, e, f"발송효과-{start.isoformat()}-{end.isoformat()}.xlsx")


# --- an experiment's report (docs/experiments.md) -------------------------------------------------------------------


@staff_view("view_reports")
def effects_experiment(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """An experiment's report: the frozen pre-registration, the verdicts, each group and each comparison; with
    `?download=html` the full report with its charts, with `?download=xlsx` the workbook (counts and rates only:
    nothing about a taxpayer). A campaign without an experiment says so."""
    campaign = scoped_or_404(request, Campaign, pk=campaign_id)
    try:
        r = experiment_report(campaign, now=_clock.now())
    except NoExperiment as e:
        return render(request, "staff/effects/experiment.html", {"campaign": campaign, "r": None, "missing": str(e)})
    download = request.GET.get("download")
    if download in ("html", "xlsx"):
        if download == "xlsx":
            response = HttpResponse(render_experiment_xlsx(r), content_type=XLSX)
        else:
            response = HttpResponse(render_experiment_html(r), content_type="text/html; charset=utf-8")
        filename = f"실험보고서-캠페인{campaign.pk}.{download}"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
    for g in r["groups"]:  # percentages and whole won as people read them
        g["paid_rate_text"], g["read_rate_text"] = pct(g["paid_rate"]), pct(g["read_rate"])
        g["amount_per_notice"] = round(g["amount_per_notice"] or 0)
    pre = r["preregistration"]
    pre["confidence_text"] = f"{pre['confidence']:.1%}".replace(".0%", "%")
    pre["power_text"] = "—" if pre["power"] is None else pct(pre["power"])
    return render(request, "staff/effects/experiment.html", {"campaign": campaign, "r": r})
