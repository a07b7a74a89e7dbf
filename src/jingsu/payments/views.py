"""HTTP endpoints of payments: the payment gateway's notice, and where the citizen's browser comes back to.
Views validate input and call services; no rules here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jingsu.core.runtime import runtime
from jingsu.payments import gateway
from jingsu.payments.models import GatewayOrder


@csrf_exempt
@require_POST
def gateway_notice(request: HttpRequest) -> JsonResponse:
    """POST /callbacks/pg — the payment gateway's signed server-to-server notice (docs/formats/gateway-notice.md).

    200: applied, a duplicate or a cancellation; 401: bad signature or stale timestamp; 400: malformed, unknown
    order, amount/전자납부번호/tid not the order's. The JSON body carries a Korean message. The clock is
    the runtime's (jingsu.core.runtime)."""
    result = gateway.handle_notice(request.body, request.headers, now=runtime().clock.now(),
                                   remote=request.META.get("REMOTE_ADDR", ""))
    return JsonResponse(result.body(), status=result.status, json_dumps_params={"ensure_ascii": False})


_RETURN_TEXT = {
    GatewayOrder.Status.PAID: "납부가 완료되었습니다.",
    GatewayOrder.Status.CANCELLED: "결제가 취소되었습니다. 납부하지 않았습니다.",
    GatewayOrder.Status.CREATED: "결제를 확인하고 있습니다. 잠시 후 다시 확인해 주십시오.",
}


@never_cache
@require_GET
def gateway_return(request: HttpRequest) -> HttpResponse:
    """GET /pay/pg/return?tid=…&result=… — where the gateway sends the browser back. The notice was delivered before
    the redirect, so the order's state is already final here. Shows the state only: amount and 세목, nothing
    personal (the citizen portal links back to the notice)."""
    tid = request.GET.get("tid", "")[:64]
    order = GatewayOrder.objects.filter(tid=tid).first() if tid else None
    if order is None:
        page = format_html('<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>간편결제</title></head>'
                           '<body><main><h1>간편결제</h1><p id="payment-state">{}</p></main></body></html>',
                           "결제 정보를 찾을 수 없습니다.")
        return HttpResponse(page, status=404)
    page = format_html(
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>간편결제 결과</title></head>'
        '<body><main><h1>간편결제 결과</h1><p id="payment-state" data-status="{}">{}</p>'
        "<dl><dt>납부 항목</dt><dd>{}</dd><dt>금액</dt><dd>{}원</dd></dl></main></body></html>",
        order.status, _RETURN_TEXT[GatewayOrder.Status(order.status)], order.item_name, f"{order.amount:,}",
    )
    return HttpResponse(page)
