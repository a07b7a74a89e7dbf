"""HTTP endpoints of delivery: provider callbacks. Views validate input and call services; no rules here."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from jingsu.core.runtime import runtime
from jingsu.delivery import receipts


@csrf_exempt
@require_POST
def kt_callback(request: HttpRequest) -> JsonResponse:
    """POST /callbacks/kt — KT 공인알림문자 result callback (BC-AG-SN-010), signed with X-Timestamp/X-Signature.

    200: verified (applied, or a duplicate acknowledged); 401: bad signature or stale timestamp; 404: unknown src_key;
    400: malformed. The clock is the runtime's (see jingsu.delivery.receipts)."""
    result = receipts.handle_kt_callback(
        request.body, request.headers, now=runtime().clock.now(), remote=request.META.get("REMOTE_ADDR", "")
    )
    return JsonResponse(result.body(), status=result.status, json_dumps_params={"ensure_ascii": False})
