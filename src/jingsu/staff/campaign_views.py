"""안내 캠페인 (issue #8 item 3) in the staff console: the jurisdiction's campaigns, a new campaign with a live count,
one campaign (summary, alert, sample document, approve, send) and its delivery progress.

Permissions: reading (list, page, progress JSON) needs `view_reports` — the one existing permission that both the
maker (담당자, `prepare_campaign`) and the checker (팀장, `approve_campaign`) hold, and that already reads campaigns
on the effect screens; preparing needs `prepare_campaign`; approving and sending need `approve_campaign`. The rules
(filters, build, maker-checker, sending) are jingsu.notices.services and jingsu.delivery.services; nothing is
re-implemented here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from jingsu.clock import today as clock_today
from jingsu.delivery.models import AttemptStatus, Channel
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.notices import services as campaigns
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # one clock for the console; tests move it (access.set_clock)
)
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import scoped_or_404, staff_view


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label="종류", choices=Campaign.Kind.choices, initial=Campaign.Kind.ARREARS)
    name = forms.CharField(label="캠페인 이름", max_length=100)
    as_of = forms.DateField(label="기준일", widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="체납액과 가산금·납부지연가산세를 이 날짜 기준으로 계산합니다.")
    control_share = forms.IntegerField(label="대조군 비율(%)", min_value=0, max_value=50, initial=0,
                                       help_text="0–50. 대조군은 발송하지 않고 효과 비교에만 씁니다.")
    tax_items = forms.MultipleChoiceField(
        label="세목", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(code, f"{item.name} ({code})") for code, item in TAX_ITEMS.items()],
        help_text="고르지 않으면 모든 세목입니다.")
    min_amount = forms.IntegerField(label="체납액 하한(원)", min_value=0, required=False,
                                    help_text="납세자별 합계(세액 + 가산금·납부지연가산세) 기준")
    max_amount = forms.IntegerField(label="체납액 상한(원)", min_value=0, required=False)
    min_age = forms.IntegerField(label="체납 연차 하한", min_value=0, required=False,
                                 help_text="0은 현년도 체납, 1 이상은 지난년도 체납")
    max_age = forms.IntegerField(label="체납 연차 상한", min_value=0, required=False)
    include_statuses = forms.MultipleChoiceField(
        label="포함할 상태", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(s.value, s.label) for s in campaigns.EXCLUDED_BY_DEFAULT],
        help_text="징수유예·분할납부·불복 중인 부과 건은 고르지 않으면 빠집니다.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for low, high, label in (("min_amount", "max_amount", "체납액"), ("min_age", "max_age", "체납 연차")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, f"{label} 상한이 하한보다 작습니다.")
        return data

    def filters(self) -> dict[str, Any]:
        """The `filters` of notices.services.create_campaign (only the keys that were given)."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        for key in ("tax_items", "include_statuses"):
            if d.get(key):
                out[key] = list(d[key])
        for key in ("min_amount", "max_amount", "min_age", "max_age"):
            if d.get(key) is not None:
                out[key] = d[key]
        return out


class _Preview(Exception):
    def __init__(self, summary: campaigns.BuildSummary) -> None:
        self.summary = summary


def preview_counts(request: HttpRequest, form: CampaignForm) -> campaigns.BuildSummary:
    """What building the campaign would give, by building it inside a savepoint that is always rolled back: the
    same selection, per-taxpayer amount filter and control group as the real build (nothing duplicated here), and
    nothing written (the audit rows roll back too)."""
    d = form.cleaned_data
    try:
        with transaction.atomic():
            c = campaigns.create_campaign(request.jurisdiction, name=d.get("name") or "미리보기",  # type: ignore[attr-defined]
                                          kind=d["kind"], as_of=d["as_of"], actor=_actor(request),
                                          filters=form.filters(), control_share=d["control_share"], clock=_clock)
            try:
                summary = campaigns.build_campaign(c, actor=_actor(request), clock=_clock)
            except campaigns.CampaignError:
                summary = campaigns.BuildSummary(0, 0, 0, 0)
            raise _Preview(summary)
    except _Preview as p:
        return p.summary


# --- views -----------------------------------------------------------------------------------------------------------


@staff_view("view_reports")
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = list(Campaign.objects.filter(jurisdiction=request.jurisdiction)  # type: ignore[attr-defined]
                .select_related("template").order_by("-created_at", "-id")[:200])
    return render(request, "staff/campaigns/list.html", {"campaigns": rows})


@staff_view("prepare_campaign")
def campaign_new(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: create_campaign + build_campaign, then the campaign's page."""
    initial = {"as_of": clock_today(_clock), "control_share": 0, "kind": Campaign.Kind.ARREARS}
    form = CampaignForm(request.POST) if request.method == "POST" else CampaignForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                c = campaigns.create_campaign(request.jurisdiction, name=d["name"], kind=d["kind"],  # type: ignore[attr-defined]
                                              as_of=d["as_of"], actor=_actor(request), filters=form.filters(),
                                              control_share=d["control_share"], clock=_clock)
                summary = campaigns.build_campaign(c, actor=_actor(request), clock=_clock)
        except campaigns.CampaignError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"캠페인을 만들고 대상을 확정했습니다: 안내문 {summary.notices:,}건 "
                                      f"(대조군 {summary.control:,}건), 합계 {summary.total_amount:,}원.")
            return redirect("staff:campaign_detail", campaign_id=c.pk)
    return render(request, "staff/campaigns/new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@staff_view("prepare_campaign")
def campaign_preview(request: HttpRequest) -> HttpResponse:
    """GET: the number of notices and the total the form's conditions give (JSON, for campaign-progress.js)."""
    data = request.GET.copy()
    data.setdefault("kind", Campaign.Kind.ARREARS)
    data.setdefault("as_of", clock_today(_clock).isoformat())
    data.setdefault("control_share", "0")
    data.setdefault("name", "미리보기")
    form = CampaignForm(data)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": {k: [str(m) for m in v] for k, v in form.errors.items()}},
                            json_dumps_params={"ensure_ascii": False})
    s = preview_counts(request, form)
    return JsonResponse({"ok": True, "notices": s.notices, "control": s.control, "lines": s.lines,
                         "total_amount": s.total_amount}, json_dumps_params={"ensure_ascii": False})


def _status_payload(c: Campaign) -> dict[str, Any]:
    from jingsu.delivery.services import campaign_status

    s = campaign_status(c)
    notice_labels = dict(Notice.Status.choices)
    channel_labels = dict(Channel.choices)
    attempt_labels = dict(AttemptStatus.choices)
    return {
        "campaign": c.pk,
        "status": c.status,
        "status_display": c.get_status_display(),
        "notices": [{"status": k, "label": notice_labels.get(k, k), "count": v} for k, v in sorted(s["notices"].items())],
        "attempts": [
            {"channel": ch, "channel_label": channel_labels.get(ch, ch), "status": st,
             "label": attempt_labels.get(st, st), "count": n}
            for ch, by_status in s["attempts"].items() for st, n in sorted(by_status.items())
        ],
    }


def _detail(request: HttpRequest, c: Campaign, *, status: int = 200, error: str = "") -> HttpResponse:
    from jingsu.notices.documents import TemplateError, document_context, render_alert

    notices = Notice.objects.filter(campaign=c)
    totals = {
        "notices": notices.count(),
        "control": notices.filter(control_group=True).count(),
        "lines": NoticeLine.objects.filter(notice__campaign=c).count(),
        "total": sum(notices.values_list("total_amount", flat=True)),
    }
    alert, alert_error = None, ""
    try:
        alert = render_alert(c)
    except TemplateError as e:
        alert_error = str(e)
    sample = notices.select_related("campaign", "campaign__template", "campaign__jurisdiction", "taxpayer") \
        .filter(control_group=False).order_by("id").first() or notices.order_by("id").first()
    document = document_context(sample) if sample else None
    return render(request, "staff/campaigns/detail.html", {
        "campaign": c, "S": Campaign.Status, "totals": totals, "alert": alert, "alert_error": alert_error,
        "document": document, "progress": _status_payload(c), "error": error,
        "problems": campaigns.template_problems(c, today=clock_today(_clock)) if c.status == Campaign.Status.BUILT
        else [],
    }, status=status)


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return scoped_or_404(request, Campaign, pk=campaign_id)


@staff_view("view_reports")
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _detail(request, _campaign(request, campaign_id))


@staff_view("approve_campaign")
def campaign_approve(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """POST: approve (maker-checker in notices.services). GET shows the campaign's page."""
    c = _campaign(request, campaign_id)
    if request.method != "POST":
        return _detail(request, c)
    try:
        campaigns.approve_campaign(c, actor=_actor(request), clock=_clock)
    except campaigns.CampaignError as e:
        return _detail(request, c, status=400, error=str(e))
    messages.success(request, "캠페인을 승인했습니다. 발송할 수 있습니다.")
    return redirect("staff:campaign_detail", campaign_id=c.pk)


@staff_view("approve_campaign")
def campaign_send(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """POST: start sending (delivery.services.start_campaign with the configured providers). GET shows the page."""
    from jingsu.delivery.services import start_campaign
    from jingsu.providers.base import ProviderError
    from jingsu.providers.registry import configured_providers

    c = _campaign(request, campaign_id)
    if request.method != "POST":
        return _detail(request, c)
    if c.status != Campaign.Status.APPROVED:
        return _detail(request, c, status=400, error="승인된 캠페인만 발송할 수 있습니다.")
    try:
        summary = start_campaign(c, configured_providers(), actor=_actor(request), clock=_clock)
    except RuntimeError:
        return _detail(request, c, status=503, error="발송 기관(또는 시뮬레이터) 주소가 설정되지 않아 발송할 수 "
                                                     "없습니다. 시스템 관리자에게 JINGSU_PROVIDER_URL 설정을 "
                                                     "요청하세요.")
    except ProviderError as e:
        return _detail(request, c, status=502, error=f"발송 기관과 통신하지 못했습니다. 잠시 뒤 다시 시도하세요. ({e})")
    except ValueError as e:
        return _detail(request, c, status=400, error=str(e))
    messages.success(request, f"발송을 시작했습니다: 첫 발송 {summary.attempts:,}건.")
    return redirect("staff:campaign_detail", campaign_id=c.pk)


@staff_view("view_reports")
def campaign_status_json(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign page's progress (notices by status, attempts by channel and status), polled by the page."""
    c = _campaign(request, campaign_id)
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": "GET만 됩니다."}, status=405)
    return JsonResponse(_status_payload(c), json_dumps_params={"ensure_ascii": False})
