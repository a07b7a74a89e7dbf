"""Citizen portal pages (/n/<token>…). Views check input and call jingsu.portal.services; no rules live here.

Every page here is private to one taxpayer: `never_cache` (no-store), the global CSP with frame-ancestors 'none',
Referrer-Policy same-origin, and no personal data in any URL (the notice token is opaque; one-time tokens from an
intermediary are removed from the address bar by a redirect at once).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jingsu.clock import DEFAULT_CLOCK, SEOUL, Clock
from jingsu.delivery.models import Channel
from jingsu.korean import josa
from jingsu.notices.documents import document_context, render_pdf
from jingsu.notices.models import Notice, NoticeLine
from jingsu.portal import services
from jingsu.portal.services import PortalError
from jingsu.providers.base import ProviderError, ProviderSet
from jingsu.providers.registry import configured_providers
from jingsu.staff.access import client_ip

SESSION_KEY = "portal_verified"  # notice ids verified in this browser session
RATE_WINDOW = 600  # verification requests per address per 10 minutes: settings.JINGSU_PORTAL_RATE_LIMIT

_clock: Clock = DEFAULT_CLOCK


def set_clock(clock: Clock | None) -> Clock:
    """Tests and the demo move time; returns the previous clock."""
    global _clock
    previous = _clock
    _clock = clock or DEFAULT_CLOCK
    return previous


def providers() -> ProviderSet:
    return configured_providers()


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
        channel, external_id = (Channel.KAKAO, request.GET.get("document_binder_uuid", "")) \
            if request.GET.get("document_binder_uuid") else (Channel.KT, request.GET.get("src_key", ""))
        if _rate_limited(request):
            return _page(request, "portal/error.html", {"message": "요청이 너무 많습니다. 10분 뒤에 다시 시도해 주십시오."},
                         status=429)
        try:
            services.verify_intermediary_token(n, channel=channel, external_id=external_id, token=ott,
                                               providers=providers(), remote=remote, clock=_clock)
        except PortalError as e:
            request.session["portal_message"] = str(e)
        except ProviderError:
            request.session["portal_message"] = "전자문서 중계기관과 연결할 수 없습니다. 아래에서 본인 확인을 해 주십시오."
        else:
            _mark_verified(request, n)
        # the one-time token never stays in the address bar or in the history
        return HttpResponseRedirect(reverse("portal:notice", args=[token]))
    now = _clock.now()
    deadline = services.read_deadline(n)
    if deadline is not None and now > deadline:
        return _page(request, "portal/expired.html", {"notice": n, "deadline": deadline,
                                                       "office": n.campaign.jurisdiction}, status=410)
    if not _verified(request, n):
        return _verify_page(request, n)
    services.touch_viewed(n, remote=remote, clock=_clock)
    # the document is immutable (its content is what the stored hash covers): render its context once per notice
    key = f"portal:doc:{n.pk}:{n.doc_hash}"
    ctx = cache.get(key)
    if ctx is None:
        ctx = document_context(n)
        cache.set(key, ctx, 3600)
    today = now.astimezone(SEOUL).date()
    owed = services.owed_today(n, today)
    gateway = _gateway_available()
    response = _page(request, "portal/notice.html", {
        "notice": n, "doc": ctx, "owed": owed, "owed_total": sum(o.total for o in owed), "today": today,
        "deadline": deadline, "message": request.session.pop("portal_message", ""), "gateway": gateway,
    })
    if gateway:
        # the pay form posts here and is redirected to the gateway's checkout: CSP form-action covers redirects
        parts = urlsplit(settings.JINGSU_PROVIDER_URL)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


def _verify_page(request: HttpRequest, n: Notice, *, message: str = "", sent_to: str = "",
                 status: int = 200) -> HttpResponse:
    now = _clock.now()
    until = services.locked_until(n, now)
    return _page(request, "portal/verify.html", {
        "notice": n, "office": n.campaign.jurisdiction, "identity_label": services.identity_label(n),
        "message": message or request.session.pop("portal_message", ""), "sent_to": sent_to,
        "locked_until": until, "code_stage": bool(sent_to), "has_mobile": bool(n.taxpayer.mobile),
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
                                     remote=client_ip(request), clock=_clock)
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
        services.verify_code(n, code=request.POST.get("code", ""), remote=client_ip(request), clock=_clock)
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
        url = start_payment(line, providers(), return_url=return_url, clock=_clock)
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


