"""Citizen portal pages (/n/<token>…). Views check input and call jingsu.portal.services; no rules live here.

Every page here is private to one taxpayer: `never_cache` (no-store), the global CSP with frame-ancestors 'none',
Referrer-Policy same-origin, and no personal data in any URL (the notice token is opaque; one-time tokens from an
intermediary are removed from the address bar by a redirect at once).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jingsu.clock import SEOUL, Clock
from jingsu.core.http import client_ip
from jingsu.core.runtime import runtime
from jingsu.delivery.models import Channel
from jingsu.korean import josa
from jingsu.notices.documents import document_context, render_pdf
from jingsu.notices.models import Notice, NoticeLine
from jingsu.portal import services
from jingsu.portal.services import PortalError, StaleLink
from jingsu.providers.base import ProviderError, ProviderSet

SESSION_KEY = "portal_verified"  # notice ids verified in this browser session
RATE_WINDOW = 600  # verification requests per address per 10 minutes: settings.JINGSU_PORTAL_RATE_LIMIT

def _clock() -> Clock:
    """The portal's clock: the process runtime's (jingsu.core.runtime)."""
    return runtime().clock


def providers() -> ProviderSet:
    return runtime().providers()


def _gateway_available() -> bool:
    try:
        return providers().gateway is not None
    except RuntimeError:  # no providers configured: the page offers the other ways to pay
        return False


def _rate_limited(request: HttpRequest) -> bool:
    key = f"portal:rl:{client_ip(request)}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count > settings.JINGSU_PORTAL_RATE_LIMIT


def _verified(request: HttpRequest, notice: Notice) -> bool:
    return notice.pk in request.session.get(SESSION_KEY, [])


def _mark_verified(request: HttpRequest, notice: Notice) -> None:
    request.session.cycle_key()  # a new session id once the person is known
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), notice.pk]


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", status=404)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


@never_cache
@require_http_methods(["GET"])
def notice(request: HttpRequest, token: str) -> HttpResponse:
    n = services.notice_by_token(token)
    if n is None:
        return _not_found(request)
    remote = client_ip(request)
    ott = request.GET.get("token")
    if ott:
        if _verified(request, n):  # the link opened again in a browser already verified: nothing to check
            return HttpResponseRedirect(reverse("portal:notice", args=[token]))
        channel, external_id = (Channel.KAKAO, request.GET.get("document_binder_uuid", "")) \
            if request.GET.get("document_binder_uuid") else (Channel.KT, request.GET.get("src_key", ""))
        if _rate_limited(request):
            return _page(request, "portal/error.html", {"message": "요청이 너무 많습니다. 10분 뒤에 다시 시도해 주십시오.",
                                                        "notice": n}, status=429)
        try:
            services.verify_intermediary_token(n, channel=channel, external_id=external_id, token=ott,
                                               providers=providers(), remote=remote, clock=_clock())
        except StaleLink as e:  # opened again: not a failed try; ask to reopen it, or use the SMS way in
            request.session["portal_message"] = str(e)
            request.session["portal_reopen"] = e.channel
        except PortalError as e:
            request.session["portal_message"] = str(e)
        except ProviderError:
            request.session["portal_message"] = "전자문서 중계기관과 연결할 수 없습니다. 아래에서 본인 확인을 해 주십시오."
        else:
            _mark_verified(request, n)
        # the one-time token never stays in the address bar or in the history
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    now = _clock().now()
    deadline = services.read_deadline(n)
    if deadline is not None and now > deadline:
        return _page(request, "portal/expired.html", {"notice": n, "deadline": deadline,
                                                       "contact": services.sender_contact(n)}, status=410)
    if not _verified(request, n):
        return _verify_page(request, n)
    services.touch_viewed(n, remote=remote, clock=_clock())
    # the document is immutable (its content is what the stored hash covers): render its context once per notice
    key = f"portal:doc:{n.pk}:{n.doc_hash}"
    ctx = cache.get(key)
    if ctx is None:
        ctx = document_context(n)
        cache.set(key, ctx, 3600)
    today = now.astimezone(SEOUL).date()
    owed = services.owed_today(n, today)
    owed_total = sum(o.total for o in owed)
    paid_all = bool(owed) and all(o.paid for o in owed)
    paid_total, paid_on = services.paid_so_far(n) if paid_all else (0, None)
    gateway = _gateway_available() and not paid_all
    response = _page(request, "portal/notice.html", {
        "notice": n, "doc": ctx, "owed": owed, "owed_total": owed_total, "today": today,
        "deadline": deadline, "message": request.session.pop("portal_message", ""), "gateway": gateway,
        "paid_all": paid_all, "paid_total": paid_total, "paid_on": paid_on, "contact": services.sender_contact(n),
        "virtual_account": getattr(n.taxpayer, "virtual_account", None),
        **({} if paid_all else _assistance(n, owed_total, today)),
    })
    if gateway:
        # the pay form posts here and is redirected to the gateway's checkout: CSP form-action covers redirects
        parts = urlsplit(settings.JINGSU_PROVIDER_URL)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


def _assistance(n: Notice, owed_total: int, today: date) -> dict[str, Any]:
    """What the "한 번에 내기 어려우신가요?" part of the page shows: the 분할 납부 the office's rules allow (or the plan
    asked for, with its installments), and the 상담 요청 form (or the open request)."""
    from jingsu.assistance import services as assistance
    from jingsu.assistance.models import CallbackRequest, InstallmentPlan, rule_for

    plan = assistance.latest_plan(n)
    installments = []
    if plan is not None and plan.status in (InstallmentPlan.Status.APPROVED, InstallmentPlan.Status.COMPLETED):
        installments = [{"i": i, "missed": i.missed(today)} for i in plan.installments.all()]
    rule = rule_for(n.jurisdiction)
    options = [{"count": c, "each": assistance.split(owed_total, c)[-1]}
               for c in assistance.allowed_counts(owed_total, rule)] if owed_total > 0 else []
    return {
        "plan": plan, "plan_open": plan is not None and plan.status in InstallmentPlan.OPEN_STATUSES,
        "installments": installments, "installment_options": options, "installment_rule": rule,
        "callback": assistance.open_callback(n), "callback_reasons": CallbackRequest.Reason.choices,
        "callback_times": CallbackRequest.PreferredTime.choices,
        "mobile_masked": _masked(n.taxpayer.mobile),
    }


def _masked(mobile: str) -> str:
    return f"{mobile[:3]}-****-{mobile[-4:]}" if mobile else ""


def _verify_page(request: HttpRequest, n: Notice, *, message: str = "", sent_to: str = "",
                 status: int = 200) -> HttpResponse:
    now = _clock().now()
    until = services.locked_until(n, now)
    return _page(request, "portal/verify.html", {
        "notice": n, "office": n.campaign.jurisdiction, "identity_label": services.identity_label(n),
        "message": message or request.session.pop("portal_message", ""), "sent_to": sent_to,
        "locked_until": until, "code_stage": bool(sent_to), "has_mobile": bool(n.taxpayer.mobile),
        "reopen": services.REOPEN.get(request.session.pop("portal_reopen", "")) if not sent_to else "",
        "contact": services.sender_contact(n),
    }, status=status)


def _limited_notice(request: HttpRequest, token: str) -> tuple[Notice | None, HttpResponse]:
    """The notice of a verification request, or (None, the answer): 404, or 429 over the per-address limit."""
    n = services.notice_by_token(token)
    if n is None:
        return None, _not_found(request)
    if _rate_limited(request):
        return None, _verify_page(request, n, message="요청이 너무 많습니다. 10분 뒤에 다시 시도해 주십시오.", status=429)
    return n, HttpResponse(status=204)


@never_cache
@require_POST
def send_code(request: HttpRequest, token: str) -> HttpResponse:
    n, refusal = _limited_notice(request, token)
    if n is None:
        return refusal
    try:
        sent_to = services.send_code(n, identity=request.POST.get("identity", ""), providers=providers(),
                                     remote=client_ip(request), clock=_clock())
    except PortalError as e:
        return _verify_page(request, n, message=str(e), status=423 if e.locked else 400)
    except ProviderError:
        return _verify_page(request, n, message="문자를 보내지 못했습니다. 잠시 뒤에 다시 시도해 주십시오.", status=503)
    return _verify_page(request, n, message=f"{josa(sent_to, '으로')} 인증번호를 보냈습니다.", sent_to=sent_to)


@never_cache
@require_POST
def verify_code(request: HttpRequest, token: str) -> HttpResponse:
    n, refusal = _limited_notice(request, token)
    if n is None:
        return refusal
    try:
        services.verify_code(n, code=request.POST.get("code", ""), remote=client_ip(request), clock=_clock())
    except PortalError as e:
        return _verify_page(request, n, message=str(e), sent_to="" if e.locked else "등록된 번호",
                            status=423 if e.locked else 400)
    _mark_verified(request, n)
    return HttpResponseRedirect(reverse("portal:notice", args=[token]))


@never_cache
@require_http_methods(["GET"])
def pdf(request: HttpRequest, token: str) -> HttpResponse:
    n = services.notice_by_token(token)
    if n is None or not _verified(request, n):
        return _not_found(request) if n is None else HttpResponseRedirect(reverse("portal:notice", args=[token]))
    response = HttpResponse(render_pdf(n), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{n.reference}.pdf"'
    return response


@never_cache
@require_http_methods(["GET"])
def receipt_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """납부확인서 (PDF), once every levy of the notice is paid."""
    from jingsu.core import audit
    from jingsu.portal.receipt import render_receipt_pdf

    n = services.notice_by_token(token)
    if n is None or not _verified(request, n):
        return _not_found(request) if n is None else HttpResponseRedirect(reverse("portal:notice", args=[token]))
    now = _clock().now()
    owed = services.owed_today(n, now.astimezone(SEOUL).date())
    if not owed or not all(o.paid for o in owed):
        request.session["portal_message"] = "납부확인서는 모두 납부하신 뒤에 받으실 수 있습니다."
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    audit.record("portal.receipt", actor=f"citizen@{client_ip(request)}", jurisdiction=n.jurisdiction_id, target=n,
                 clock=_clock())
    response = HttpResponse(render_receipt_pdf(n, now), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{n.reference}-receipt.pdf"'
    return response


def _verified_notice(request: HttpRequest, token: str) -> tuple[Notice | None, HttpResponse | None]:
    """The notice of a request from its verified owner, or the answer: 404, or back to the page (verification)."""
    n = services.notice_by_token(token)
    if n is None:
        return None, _not_found(request)
    if not _verified(request, n):
        return None, HttpResponseRedirect(reverse("portal:notice", args=[token]))
    return n, None


@never_cache
@require_POST
def request_installments(request: HttpRequest, token: str) -> HttpResponse:
    """분할 납부 요청 → the team's queue (jingsu.assistance)."""
    from jingsu.assistance.services import AssistanceError
    from jingsu.assistance.services import request_installments as ask

    n, refusal = _verified_notice(request, token)
    if n is None:
        return refusal  # type: ignore[return-value]
    try:
        count = int(request.POST.get("count", ""))
    except ValueError:
        request.session["portal_message"] = "분할 횟수를 골라 주십시오."
    else:
        try:
            plan = ask(n, count=count, remote=client_ip(request), clock=_clock())
        except AssistanceError as e:
            request.session["portal_message"] = str(e)
        else:
            request.session["portal_message"] = (
                f"{plan.count}회 분할 납부 요청을 접수했습니다. 담당자가 확인하면 문자로 알려 드리고, 이 화면에 회차별 "
                "납부기한과 전자납부번호가 나타납니다.")
    return HttpResponseRedirect(reverse("portal:notice", args=[token]) + "#help-h")


@never_cache
@require_POST
def request_callback(request: HttpRequest, token: str) -> HttpResponse:
    """상담 요청 → the team's call-back queue (jingsu.assistance)."""
    from jingsu.assistance.services import AssistanceError
    from jingsu.assistance.services import request_callback as ask

    n, refusal = _verified_notice(request, token)
    if n is None:
        return refusal  # type: ignore[return-value]
    try:
        ask(n, reason=request.POST.get("reason", ""), preferred_time=request.POST.get("preferred_time", ""),
            note=request.POST.get("note", ""), remote=client_ip(request), clock=_clock())
    except AssistanceError as e:
        request.session["portal_message"] = str(e)
    else:
        request.session["portal_message"] = (f"상담 요청을 접수했습니다. {n.jurisdiction.sender.name}에서 "
                                             f"{josa(_masked(n.taxpayer.mobile), '으로')} 전화드립니다.")
    return HttpResponseRedirect(reverse("portal:notice", args=[token]) + "#help-h")


@never_cache
@require_POST
def pay(request: HttpRequest, token: str) -> HttpResponse:
    from jingsu.payments.gateway import GatewayError, start_payment

    n = services.notice_by_token(token)
    if n is None:
        return _not_found(request)
    if not _verified(request, n):
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    line = NoticeLine.objects.filter(notice=n, pk=request.POST.get("line") or 0).select_related("levy").first()
    if line is None:
        request.session["portal_message"] = "납부할 항목을 고르십시오."
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    return_url = request.build_absolute_uri(reverse("portal:paid", args=[token]))
    try:
        url = start_payment(line, providers(), return_url=return_url, clock=_clock())
    except (GatewayError, ProviderError) as e:
        request.session["portal_message"] = str(e) if isinstance(e, GatewayError) else \
            "간편결제 기관과 연결할 수 없습니다. 다른 납부 방법을 이용해 주십시오."
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    return HttpResponseRedirect(url)


@never_cache
@require_http_methods(["GET"])
def paid(request: HttpRequest, token: str) -> HttpResponse:
    """Where the gateway sends the browser back. The signed server-to-server notice has already been handled."""
    from jingsu.payments.models import GatewayOrder

    n = services.notice_by_token(token)
    if n is None:
        return _not_found(request)
    order = GatewayOrder.objects.filter(tid=request.GET.get("tid", "")[:64], levy__notice_lines__notice=n).first()
    if order is None or order.status != GatewayOrder.Status.PAID:
        request.session["portal_message"] = "결제가 완료되지 않았습니다." if request.GET.get("result") != "approved" \
            else "결제 확인 중입니다. 잠시 뒤 다시 열어 주십시오."
    else:
        request.session["portal_message"] = f"{order.amount:,}원 납부가 확인되었습니다. 감사합니다."
    return HttpResponseRedirect(reverse("portal:notice", args=[token]))


