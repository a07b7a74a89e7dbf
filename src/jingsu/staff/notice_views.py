"""The official on the phone (issue #14, "The official"): one notice's portal address, sending it again by another
channel (with a second person's approval where it costs money), and a campaign's recipients with their channel and
status. The rules are in `jingsu.delivery.resend` (what may be resent, by which channel, maker-checker, the
attempt machine); these views validate input, call it and audit what they show.

URLs (under /staff/): `notices/<notice_id>/link/` (reveal_personal_data), `notices/<notice_id>/resend/`
(prepare_campaign), `resends/` (view_taxpayer), `resends/<resend_id>/approve/` and `…/reject/` (approve_campaign),
`campaigns/<campaign_id>/recipients/` and `recipients.xlsx` (view_reports).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from jingsu.core import audit
from jingsu.core.http import client_ip
from jingsu.delivery import resend as resends
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, DeliveryEvent, Resend
from jingsu.delivery.paper import mask_name
from jingsu.delivery.services import portal_link, send_resends
from jingsu.korean import josa
from jingsu.notices.models import Campaign, MailClass, Notice
from jingsu.staff import downloads
from jingsu.staff.access import CONSOLE_CLOCK as _clock
from jingsu.staff.access import StaffRequest, act, scoped_or_404, staff_view
from jingsu.staff.access import actor as _actor
from jingsu.staff.access import jurisdiction_of as _j
from jingsu.staff.forms import KrdsRadios
from jingsu.staff.paging import page_of

log = logging.getLogger(__name__)


def _notice(request: StaffRequest, notice_id: int) -> Notice:
    return scoped_or_404(request, Notice, pk=notice_id)


def _history(notice: Notice) -> list[DeliveryAttempt]:
    from django.db.models import Prefetch

    return list(notice.attempts.select_related("resend").order_by("sequence", "id").prefetch_related(
        Prefetch("events", queryset=DeliveryEvent.objects.order_by("at", "id"))))


# --- the portal address ----------------------------------------------------------------------------------------------


@staff_view("reveal_personal_data")
@require_http_methods(["GET", "POST"])
def notice_link(request: StaffRequest, notice_id: int) -> HttpResponse:
    """GET: what the button does; POST: the notice's portal address, shown in this response only and audited as an
    access to personal data (`staff.notice_link_view`): it is the address of one taxpayer's notice."""
    notice = _notice(request, notice_id)
    link = ""
    if request.method == "POST":
        audit.record("staff.notice_link_view", actor=_actor(request), jurisdiction=_j(request), target=notice,
                     clock=_clock, detail={"ip": client_ip(request)})
        link = portal_link(notice)
    return render(request, "staff/notices/link.html", {"n": notice, "t": notice.taxpayer, "link": link})


# --- sending again ---------------------------------------------------------------------------------------------------


def _option_label(o: resends.Option) -> str:
    how = "승인 후 발송" if o.needs_approval else "바로 발송"
    return f"{o.label} — {how}, {o.cost:,}원"


class ResendForm(forms.Form):
    option = forms.ChoiceField(label="보낼 채널", widget=KrdsRadios,
                               error_messages={"required": "보낼 채널을 고르세요.",
                                               "invalid_choice": "지금 보낼 수 있는 채널을 고르세요."})
    reason = forms.CharField(
        label="다시 보내는 사유", max_length=200, min_length=resends.REASON_MIN,
        help_text="예: 납세자 전화 — 문자를 받지 못함. 감사 기록에 남습니다.",
        widget=forms.Textarea(attrs={"class": "krds-input", "rows": 2}),
        error_messages={"required": "다시 보내는 사유를 적어 주십시오.",
                        "min_length": f"사유를 {resends.REASON_MIN}자 이상 적어 주십시오."})
    key = forms.CharField(label="요청 번호", widget=forms.HiddenInput, max_length=64,
                          error_messages={"required": "요청 양식이 올바르지 않습니다. 화면을 새로 고친 뒤 다시 하세요."})

    def __init__(self, options: list[resends.Option], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "resend-%s")
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.code, _option_label(o)) for o in options if o.available]


def _send_now(resend: Resend) -> str:
    """Hand an electronic resend to its provider at once (the dispatch cycle would within seconds); a sentence saying
    what happened. Paper goes with the next print batch."""
    if resend.attempt_id is None:
        return ""
    if resend.channel == Channel.PAPER:
        return "종이 우편은 다음 인쇄 묶음에 들어가 우체국에 넘어갑니다."
    from jingsu.providers.base import ProviderError
    from jingsu.providers.registry import configured_providers

    try:
        send_resends(configured_providers(), clock=_clock, attempt_ids=[resend.attempt_id])
    except RuntimeError:  # no provider address here: the dispatch cycle sends it
        return "발송 주기에서 곧 보냅니다."
    except ProviderError as exc:  # the attempt stays queued; the dispatch cycle tries again with the same key
        log.warning("resend %s: provider unavailable: %s", resend.pk, exc)
        return "발송 기관이 응답하지 않아 발송 주기에서 다시 보냅니다."
    attempt = DeliveryAttempt.objects.get(pk=resend.attempt_id)
    if attempt.status == AttemptStatus.QUEUED:
        return "발송 기관이 응답하지 않아 발송 주기에서 다시 보냅니다."
    return f"발송 결과: {attempt.get_status_display()}."


def _resend_page(request: HttpRequest, notice: Notice, form: ResendForm | None = None,
                 *, status: int = 200, error: str = "") -> HttpResponse:
    options = resends.options(notice)
    why = resends.problem(notice)
    form = form or ResendForm(options, initial={"key": secrets.token_urlsafe(24)})
    return render(request, "staff/notices/resend.html", {
        "n": notice, "t": notice.taxpayer, "options": options, "problem": why, "form": form, "error": error,
        "attempts": _history(notice), "requests": list(notice.resends.select_related("attempt")
                                                       .order_by("-requested_at", "-pk")),
    }, status=status)


@staff_view("prepare_campaign")
@require_http_methods(["GET", "POST"])
def notice_resend(request: StaffRequest, notice_id: int) -> HttpResponse:
    """GET: the notice's delivery history and the form; POST: send it again (`resend.request_resend`)."""
    notice = _notice(request, notice_id)
    if request.method != "POST":
        return _resend_page(request, notice)
    form = ResendForm(resends.options(notice), request.POST)
    if not form.is_valid():
        return _resend_page(request, notice, form, status=400)
    d = form.cleaned_data
    try:
        r = resends.request_resend(notice, d["option"], reason=d["reason"], actor=_actor(request), key=d["key"],
                                   clock=_clock)
    except resends.ResendError as e:
        return _resend_page(request, notice, form, status=400, error=str(e))
    mail = MailClass.REGISTERED if r.mail_class == MailClass.REGISTERED else MailClass.ORDINARY
    label = Channel(r.channel).label if r.channel != Channel.PAPER else f"{Channel.PAPER.label}({mail.short})"
    if r.status == Resend.Status.PENDING:
        messages.success(request, f"{josa(label, '으로')} 다시 보내기를 요청했습니다. 비용({r.cost:,}원)이 드는 채널이라 "
                                  "다른 직원(팀장)이 승인하면 보냅니다.")
    else:
        messages.success(request, f"{josa(label, '으로')} 다시 보냈습니다. {_send_now(r)}")
    return redirect(reverse("staff:taxpayer_detail", args=[notice.taxpayer_id]) + f"#notice-{notice.pk}")


# --- approving (maker-checker) -------------------------------------------------------------------------------------


class DecideForm(forms.Form):
    reason = forms.CharField(label="반려 사유", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"class": "krds-input"}))


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) \
            and target.startswith("/staff/"):
        return redirect(target)
    return redirect("staff:resend_list")


@staff_view("view_taxpayer")
def resend_list(request: StaffRequest) -> HttpResponse:
    """다시 보내기 요청: those waiting for approval, then the latest decided (100 a page). Names are masked here
    (the taxpayer page, audited, shows them)."""
    base = (Resend.objects.filter(jurisdiction=_j(request)).select_related("notice", "notice__taxpayer",
                                                                            "notice__campaign", "attempt"))
    pending = list(base.filter(status=Resend.Status.PENDING).order_by("requested_at", "pk"))
    page, query = page_of(request, base.exclude(status=Resend.Status.PENDING).order_by("-requested_at", "-pk"))
    for r in [*pending, *page]:
        r.taxpayer_masked = mask_name(r.notice.taxpayer.name)  # type: ignore[attr-defined]
    return render(request, "staff/notices/resends.html", {
        "pending": pending, "page": page, "query": query, "me": _actor(request),
    })


def _decided(request: StaffRequest, resend_id: int) -> Resend:
    return scoped_or_404(request, Resend, pk=resend_id)


@staff_view("approve_campaign")
@require_http_methods(["GET", "POST"])
def resend_approve(request: StaffRequest, resend_id: int) -> HttpResponse:
    r = _decided(request, resend_id)
    if request.method != "POST":
        return resend_list(request)
    return act(request, lambda: resends.approve_resend(r, actor=_actor(request), clock=_clock),
               refused=resends.ResendError, to=_back(request),
               done=lambda r: f"{mask_name(r.notice.taxpayer.name)}님 안내문의 다시 보내기를 승인했습니다. {_send_now(r)}")


@staff_view("approve_campaign")
@require_http_methods(["GET", "POST"])
def resend_reject(request: StaffRequest, resend_id: int) -> HttpResponse:
    r = _decided(request, resend_id)
    if request.method != "POST":
        return resend_list(request)
    form = DecideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return act(request, lambda: resends.reject_resend(r, actor=_actor(request), reason=reason, clock=_clock),
               refused=resends.ResendError, to=_back(request),
               done="다시 보내기 요청을 반려했습니다. 아무것도 보내지 않습니다.")


# --- a campaign's recipients -----------------------------------------------------------------------------------------


def _recipients(request: HttpRequest, campaign: Campaign) -> tuple[Any, list[tuple[str, str]], dict[str, str]]:
    """The campaign's notices with the latest attempt's channel and status, filtered by `status` (the notice's),
    `channel` (the latest attempt's) and `group` (sent / control): (rows, filters in words, the raw values)."""
    latest = DeliveryAttempt.objects.filter(notice=OuterRef("pk")).order_by("-sequence")
    rows = (Notice.objects.filter(campaign=campaign).select_related("taxpayer")
            .annotate(last_channel=Subquery(latest.values("channel")[:1]),
                      last_status=Subquery(latest.values("status")[:1]),
                      last_sent=Subquery(latest.values("sent_at")[:1]),
                      attempt_count=Count("attempts", distinct=True))
            .order_by("taxpayer__name", "pk"))
    values = {k: request.GET.get(k, "").strip() for k in ("status", "channel", "group")}
    filters: list[tuple[str, str]] = []
    if values["status"] in Notice.Status.values:
        rows = rows.filter(status=values["status"])
        filters.append(("안내문 상태", str(Notice.Status(values["status"]).label)))
    if values["channel"] == "none":
        rows = rows.filter(last_channel__isnull=True)
        filters.append(("마지막 채널", "보내지 않음"))
    elif values["channel"] in Channel.values:
        rows = rows.filter(last_channel=values["channel"])
        filters.append(("마지막 채널", str(Channel(values["channel"]).label)))
    if values["group"] == "control":
        rows = rows.filter(control_group=True)
        filters.append(("구분", "대조군"))
    elif values["group"] == "sent":
        rows = rows.filter(control_group=False)
        filters.append(("구분", "발송군"))
    return rows, filters, values


def _label(choices: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


@staff_view("view_reports")
def campaign_recipients(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = scoped_or_404(request, Campaign, pk=campaign_id)
    rows, filters, values = _recipients(request, campaign)
    page, query = page_of(request, rows)
    for n in page:
        n.taxpayer_masked = mask_name(n.taxpayer.name)  # type: ignore[attr-defined]
        n.channel_label = _label(Channel, n.last_channel) or "보내지 않음"  # type: ignore[attr-defined]
        n.attempt_label = _label(AttemptStatus, n.last_status)  # type: ignore[attr-defined]
    # a list of people: recorded like a search (how many, which page), not who
    audit.record("staff.campaign_recipients", actor=_actor(request), jurisdiction=_j(request), target=campaign,
                 clock=_clock, detail={"count": page.paginator.count, "page": page.number,
                                       "filters": downloads.conditions_text(filters), "ip": client_ip(request)})
    counts = dict(Notice.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id")).order_by())
    return render(request, "staff/campaigns/recipients.html", {
        "campaign": campaign, "page": page, "query": query, "values": values,
        "statuses": [(v, label, counts.get(v, 0)) for v, label in Notice.Status.choices],
        "channels": Channel.choices, "xlsx_query": query,
    })


@staff_view("view_reports")
def campaign_recipients_xlsx(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = scoped_or_404(request, Campaign, pk=campaign_id)
    rows, filters, _values = _recipients(request, campaign)
    people = downloads.People(request)
    cols = [downloads.Col("성명", width=12), downloads.Col("등록번호", width=16), downloads.Col("휴대전화", width=15),
            downloads.Col("주소", width=36), downloads.Col("문서번호", width=24), downloads.Col("구분", width=8),
            downloads.Col("안내문 상태", width=12), downloads.Col("합계(원)", "won"),
            downloads.Col("발송 시도", "count", 9), downloads.Col("마지막 채널", width=18),
            downloads.Col("마지막 발송 상태", width=14), downloads.Col("마지막 발송 때", "datetime", 18),
            downloads.Col("도달", "datetime", 18), downloads.Col("열람", "datetime", 18),
            downloads.Col("납부", "datetime", 18), downloads.Col("납부액(원)", "won")]

    def data() -> Any:
        for n in rows.iterator(chunk_size=2000):
            t = n.taxpayer
            yield [people.name(t.name), t.registration_masked, people.mobile(t.mobile), people.address(t.address),
                   n.reference, "대조군" if n.control_group else "발송군", n.get_status_display(), n.total_amount,
                   n.attempt_count, _label(Channel, n.last_channel) or "보내지 않음",
                   _label(AttemptStatus, n.last_status), n.last_sent, n.delivered_at, n.read_at, n.paid_at,
                   n.paid_amount]

    return downloads.xlsx_response(
        request, action="staff.recipients_xlsx", title=f"캠페인 받는 사람: {campaign.name}",
        filename=f"받는사람-캠페인{campaign.pk}", sheets=[downloads.Sheet("받는 사람", cols, data())],
        filters=[("캠페인", campaign.name), *filters], people=people, target=campaign)


urlpatterns = [
    path("notices/<int:notice_id>/link/", notice_link, name="notice_link"),
    path("notices/<int:notice_id>/resend/", notice_resend, name="notice_resend"),
    path("resends/", resend_list, name="resend_list"),
    path("resends/<int:resend_id>/approve/", resend_approve, name="resend_approve"),
    path("resends/<int:resend_id>/reject/", resend_reject, name="resend_reject"),
    path("campaigns/<int:campaign_id>/recipients/", campaign_recipients, name="campaign_recipients"),
    path("campaigns/<int:campaign_id>/recipients.xlsx", campaign_recipients_xlsx, name="campaign_recipients_xlsx"),
]
